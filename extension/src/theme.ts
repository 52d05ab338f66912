/**
 * The JupyterLab theme as figure colours, and a way for renderers to hear about theme changes.
 * The colours come from the theme's CSS variables, so any light or dark theme works.
 */
import { LIGHT_THEME, type ThemeColors } from "./figure-spec";

/** Reads the theme's colours where `element` sits (its CSS variables are inherited from body). */
export function readThemeColors(element: Element): ThemeColors {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const dark = document.body.dataset.jpThemeLight === "false";
  return {
    dark,
    background: read("--jp-layout-color0", dark ? "#111111" : LIGHT_THEME.background),
    foreground: read("--jp-ui-font-color1", dark ? "#ffffff" : LIGHT_THEME.foreground),
    grid: read("--jp-border-color2", dark ? "#424242" : LIGHT_THEME.grid),
    legendBackground: dark ? "rgba(33,33,33,0.85)" : LIGHT_THEME.legendBackground,
    fontFamily: read("--jp-ui-font-family", LIGHT_THEME.fontFamily),
  };
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Calls `listener` after every theme change; returns the function that stops it. */
export function onThemeChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called by the theme plugin once the new theme's CSS is in place. */
export function notifyThemeChanged(): void {
  for (const listener of [...listeners]) listener();
}
