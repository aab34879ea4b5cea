/**
 * The chains' traces of a calibration grid as a Vega-Lite spec (data inline): one panel per (ε, nβ), rows ε and
 * columns nβ, one line per chain of nβ·(L_draw − L(w*)), the per-draw λ̂ whose mean over draws is the chain's λ̂.
 * Long chains are drawn as means of consecutive blocks (at most MAX_POINTS per chain). Rendering is the caller's.
 */
import type { CalibrationRow } from "./calibrate.js";

const MAX_POINTS = 150;

export interface TraceDatum {
  readonly epsilon: string;
  readonly nbeta: string;
  readonly chain: number;
  /** The draw at the block's middle. */
  readonly draw: number;
  readonly llc: number;
}

const label = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));

export function traceData(rows: readonly CalibrationRow[]): TraceDatum[] {
  const out: TraceDatum[] = [];
  for (const r of rows) {
    const e = r.estimate;
    if (!e) continue;
    for (const [chain, t] of e.losses.entries()) {
      const block = Math.max(1, Math.ceil(t.length / MAX_POINTS));
      for (let s = 0; s < t.length; s += block) {
        const end = Math.min(t.length, s + block);
        let sum = 0;
        for (let i = s; i < end; i++) sum += t[i];
        out.push({ epsilon: label(r.epsilon), nbeta: label(r.nbeta), chain, draw: (s + end - 1) / 2, llc: e.nbeta * (sum / (end - s) - e.initLoss) });
      }
    }
  }
  return out;
}

export function llcTraceSpec(rows: readonly CalibrationRow[], title: string): Record<string, unknown> {
  const sortEps = [...new Set(rows.map((r) => r.epsilon))].sort((a, b) => a - b).map(label);
  const sortNb = [...new Set(rows.map((r) => r.nbeta))].sort((a, b) => a - b).map(label);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values: traceData(rows) },
    facet: {
      row: { field: "epsilon", type: "ordinal", sort: sortEps, title: "ε" },
      column: { field: "nbeta", type: "ordinal", sort: sortNb, title: "nβ" },
    },
    spec: {
      width: 220,
      height: 120,
      mark: { type: "line", strokeWidth: 1 },
      encoding: {
        x: { field: "draw", type: "quantitative", title: "draw" },
        y: { field: "llc", type: "quantitative", title: "nβ(L − L(w*))" },
        color: { field: "chain", type: "nominal", title: "chain" },
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}
