/**
 * Tells the figure renderers when JupyterLab's theme changes, so figures redraw in the new
 * colours. A MIME renderer cannot ask for services, so this small plugin does it for them.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IThemeManager } from "@jupyterlab/apputils";

import { notifyThemeChanged } from "./theme";

const themePlugin: JupyterFrontEndPlugin<void> = {
  id: "jupyterlab-d2l-ts:theme",
  description: "Redraws d2l-ts figures when the JupyterLab theme changes.",
  autoStart: true,
  optional: [IThemeManager],
  activate: (_app: JupyterFrontEnd, themes: IThemeManager | null) => {
    // The signal fires once the new theme's CSS is loaded, so its colours can be read.
    themes?.themeChanged.connect(() => notifyThemeChanged());
  },
};

export default themePlugin;
