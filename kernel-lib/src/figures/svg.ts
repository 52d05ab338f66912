/**
 * A minimal, deterministic SVG writer. Every piece of text and every attribute value passes
 * through `escapeXml`, so no label can inject markup; numbers are printed with at most two
 * decimals so that equal figures give byte-equal SVG.
 */

// XML 1.0 forbids most control characters and lone surrogates even when escaped; a label that
// holds one would make the whole SVG unparsable, so they become U+FFFD.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text safe for XML content and for attribute values. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHAR, "\ufffd").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A coordinate or length: at most two decimals, no trailing zeros, no `-0`. */
export function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

export type Attributes = Record<string, string | number | null | undefined>;

function attributeText(attrs: Attributes): string {
  let out = "";
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    out += ` ${name}="${typeof value === "number" ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

/** An element with children that are already SVG (from `el`/`text`). */
export function el(name: string, attrs: Attributes = {}, children: string[] = []): string {
  const open = `<${name}${attributeText(attrs)}`;
  return children.length === 0 ? `${open}/>` : `${open}>${children.join("")}</${name}>`;
}

/** An element holding one piece of (escaped) text. */
export function text(content: string, attrs: Attributes = {}): string {
  return `<text${attributeText(attrs)}>${escapeXml(content)}</text>`;
}

/** Identifiers used inside one SVG (clip paths, gradients): derived from content, so the same
 * figure always gets the same ids and two different figures inlined in one HTML page (as
 * nbconvert does) cannot pick up each other's definitions. */
export function contentId(prefix: string, content: string): string {
  // FNV-1a, 32 bit: deterministic and dependency-free; collisions only matter within a page.
  let h = 0x811c9dc5;
  for (let i = 0; i < content.length; i++) {
    h ^= content.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${prefix}-${h.toString(16).padStart(8, "0")}`;
}

/** Font used by every label: matplotlib's default family and size (10 pt). */
export const FONT = { family: "DejaVu Sans, Bitstream Vera Sans, Arial, Helvetica, sans-serif", size: 10 };

/** The root `<svg>` element; `width`/`height` in points like matplotlib's SVG backend. */
export function svgDocument(widthPt: number, heightPt: number, body: string[], title: string): string {
  return el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      "xmlns:xlink": "http://www.w3.org/1999/xlink",
      version: "1.1",
      width: `${num(widthPt)}pt`,
      height: `${num(heightPt)}pt`,
      viewBox: `0 0 ${num(widthPt)} ${num(heightPt)}`,
      "font-family": FONT.family,
      "font-size": FONT.size,
    },
    [el("title", {}, [escapeXml(title)]), el("rect", { width: widthPt, height: heightPt, fill: "#ffffff" }), ...body],
  );
}

/** Rough width of `s` in points at `size` (DejaVu Sans averages ~0.6 em per character); used
 * only to leave room for labels, never to clip them. */
export function textWidth(s: string, size = FONT.size): number {
  return s.length * size * 0.6;
}

/** `s` broken at spaces into lines of at most `width` points (a word longer than that stays whole). */
export function wrapText(s: string, width: number, size = FONT.size): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of s.split(/\s+/).filter((w) => w !== "")) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (line !== "" && textWidth(candidate, size) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** Colour of a figure's note (a payload's `note`): matplotlib's C3 red, readable on white. */
const NOTE_COLOR = "#d62728";

/**
 * A figure's note as lines under the figure, `top` points from the top; returns the SVG and the
 * height it takes (0 without a note).
 */
export function noteBlock(note: string | undefined, width: number, top: number): { svg: string[]; height: number } {
  if (note === undefined || note === "") return { svg: [], height: 0 };
  const lineHeight = FONT.size * 1.3;
  const lines = wrapText(note, width - 12);
  const svg = lines.map((line, k) => text(line, { x: 6, y: top + 4 + (k + 0.8) * lineHeight, fill: NOTE_COLOR }));
  return { svg, height: lines.length * lineHeight + 8 };
}

/** The root `<svg>` of a figure `height` points high, with its note (if any) added below. */
export function figureDocument(width: number, height: number, body: string[], title: string, note: string | undefined): string {
  const block = noteBlock(note, width, height);
  return svgDocument(width, height + block.height, [...body, ...block.svg], title);
}
