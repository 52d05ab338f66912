/** Reading figures' SVG back in tests, as strictly as a browser's XML parser. */
import { DOMParser } from "@xmldom/xmldom";
import { expect } from "vitest";

/** Parses strictly: any error of the XML parser fails the test. (Its only warning, "replacement
 * character detected", is about U+FFFD, which we write on purpose for forbidden characters.) */
export function parseSvg(svg: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== "warning") problems.push(`${level}: ${message}`);
    },
  }).parseFromString(svg, "image/svg+xml");
  expect(problems).toEqual([]);
  expect(doc.documentElement?.nodeName).toBe("svg");
  return doc as unknown as Document;
}

/** The content of every `<text>` element, in document order. */
export function texts(doc: Document): string[] {
  return Array.from(doc.getElementsByTagName("text")).map((t) => t.textContent ?? "");
}
