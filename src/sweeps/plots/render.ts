/**
 * Rendering: a Vega-Lite spec compiled to Vega and drawn headless to SVG, and SVG rasterized to PNG by resvg.
 * Strings and bytes only; writing files is the caller's (the CLI's) business.
 */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

// Advance widths (in em) of DejaVu Sans, the widest common fallback face, so that layout never underestimates.
const NARROW = new Map<string, number>(Object.entries({ i: 0.28, l: 0.28, j: 0.28, f: 0.35, t: 0.39, r: 0.41, " ": 0.32, ".": 0.32, ",": 0.32, ":": 0.34, ";": 0.34, "(": 0.39, ")": 0.39, "-": 0.36, "/": 0.34, "|": 0.34, "'": 0.28, I: 0.3, m: 0.97, w: 0.82, M: 0.86, W: 0.99, "=": 0.84, "–": 0.5, _: 0.5 }));
const emWidth = (ch: string): number => NARROW.get(ch) ?? (ch >= "A" && ch <= "Z" ? 0.72 : 0.62);

interface TextItem {
  readonly text?: unknown;
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
}

/**
 * Without a canvas, Vega guesses every character to be 0.8 em wide, which leaves wide empty margins and cuts
 * legend titles short; this per-character estimate is close to what the rasterizer draws.
 */
function estimateWidth(item: TextItem, text?: unknown): number {
  const t = text ?? item.text;
  const lines = Array.isArray(t) ? t.map(String) : [t == null ? "" : String(t)];
  const size = item.fontSize != null ? +item.fontSize || 0 : 11;
  const bold = item.fontWeight === "bold" || Number(item.fontWeight) >= 600 ? 1.12 : 1;
  let w = 0;
  for (const line of lines) {
    let em = 0;
    for (const ch of line) em += emWidth(ch);
    w = Math.max(w, em * size * bold);
  }
  return Math.ceil(w);
}

const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
let rendering = 0;
let vegaWidth = metrics.width;

/** The chart as an SVG document. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  if (rendering++ === 0) (vegaWidth = metrics.width), (metrics.width = estimateWidth);
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
    if (--rendering === 0) metrics.width = vegaWidth;
  }
}

export interface PngOptions {
  /** Pixels per SVG unit (default 2: sharp on high-density screens and in papers). */
  readonly scale?: number;
}

/** The SVG rasterized to PNG bytes, text set in the system's fonts. */
export function renderPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) throw new Error(`renderPng: scale must be in (0, 16], got ${scale}`);
  const r = new Resvg(svg, { font: { loadSystemFonts: true }, fitTo: { mode: "zoom", value: scale }, background: "white" });
  return new Uint8Array(r.render().asPng());
}
