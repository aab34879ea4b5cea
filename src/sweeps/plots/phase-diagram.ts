/**
 * Phase diagram of a sweep as a Vega-Lite spec: one rectangle per grid cell, coloured by the class most of its seeds
 * fell in (a fixed colour per class, so diagrams compare), labelled with the fraction of seeds in that class.
 * The spec carries its data inline, so the web lab can draw it as is.
 */
import type { CellAggregate } from "../aggregate.js";
import { CLASS_LABELS, LIU_CLASSES, PAIR_CLASSES, type LiuClass, type PairClass } from "../classify.js";
import { channelFields, FONT, fixedNote, positionEncoding, resolveLayout, withFacets, type LayoutOptions } from "./layout.js";

export type PhaseRule = "pair" | "liu";

/**
 * Liu et al.'s colours (viridis: comprehension green, grokking yellow, memorization purple, confusion black, from
 * the authors' phase-diagram code); PAIR's classes take the colour of their nearest Liu phase.
 */
export const CLASS_COLORS: { readonly pair: Readonly<Record<PairClass, string>>; readonly liu: Readonly<Record<LiuClass, string>> } = {
  pair: { high_train_loss: "#555555", high_test_loss: "#46327e", drop_together: "#a0da39", grokking: "#fde725" },
  liu: { comprehension: "#a0da39", grokking: "#fde725", memorization: "#46327e", confusion: "#1e1e1e" },
};
const DARK = new Set(["#555555", "#46327e", "#1e1e1e"]);

export const RULE_TITLES: Readonly<Record<PhaseRule, string>> = { pair: "phase (PAIR rule)", liu: "phase (Liu et al. 2022)" };

export interface PhaseDiagramOptions extends LayoutOptions {
  readonly rule: PhaseRule;
}

/** One datum per drawn cell (also what the web lab reads). */
export interface PhaseDatum {
  readonly x: string;
  readonly y?: string;
  readonly facet?: string;
  readonly row?: string;
  readonly phase: string;
  readonly fraction: number;
  readonly n: number;
  readonly counts: string;
  readonly text_color: string;
}

export function phaseDiagramData(cells: readonly CellAggregate[], opts: PhaseDiagramOptions): PhaseDatum[] {
  const layout = resolveLayout(cells, opts, "phase diagram");
  return layout.cells.map((c) => datum(c, opts, channelFields(layout, c)));
}

function datum(c: CellAggregate, opts: PhaseDiagramOptions, fields: Record<string, string>): PhaseDatum {
  const s = opts.rule === "pair" ? c.pair : c.liu;
  const order: readonly string[] = opts.rule === "pair" ? PAIR_CLASSES : LIU_CLASSES;
  const labels = CLASS_LABELS[opts.rule] as Record<string, string>;
  const colors = CLASS_COLORS[opts.rule] as Record<string, string>;
  const counts = s.counts as Record<string, number>;
  return {
    ...(fields as { x: string }),
    phase: s.majority_label,
    fraction: s.majority_fraction,
    n: c.n,
    counts: order.filter((k) => counts[k] > 0).map((k) => `${labels[k]} ${counts[k]}`).join(", "),
    text_color: DARK.has(colors[s.majority]) ? "white" : "black",
  };
}

/** The Vega-Lite spec (v6) of a phase diagram: x/y = two sweep axes, facets for a third and fourth. */
export function phaseDiagramSpec(cells: readonly CellAggregate[], opts: PhaseDiagramOptions): Record<string, unknown> {
  if (opts.rule !== "pair" && opts.rule !== "liu") throw new Error(`phase diagram: rule must be "pair" or "liu", got ${JSON.stringify(opts.rule)}`);
  const layout = resolveLayout(cells, opts, "phase diagram");
  const values = phaseDiagramData(cells, opts);
  const order: readonly string[] = opts.rule === "pair" ? PAIR_CLASSES : LIU_CLASSES;
  const labels = CLASS_LABELS[opts.rule] as Record<string, string>;
  const colors = CLASS_COLORS[opts.rule] as Record<string, string>;
  const tooltip = [
    ...(Object.entries(layout.keys).map(([ch, k]) => ({ field: ch, title: k }))),
    { field: "phase", title: "majority" },
    { field: "fraction", title: "fraction", format: ".2f" },
    { field: "counts", title: "seeds" },
    { field: "n", title: "runs" },
  ];
  const chart = {
    data: { values },
    width: { step: 46 },
    height: layout.keys.y === undefined ? 34 : { step: 34 },
    encoding: positionEncoding(layout),
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          color: {
            field: "phase",
            type: "nominal",
            scale: { domain: order.map((k) => labels[k]), range: order.map((k) => colors[k]) },
            legend: { title: RULE_TITLES[opts.rule], orient: "right", labelFontSize: 12, titleFontSize: 12, symbolType: "square", symbolSize: 160, labelLimit: 320, titleLimit: 320 },
          },
          tooltip,
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: "fraction", type: "quantitative", format: ".2f" },
          color: { field: "text_color", type: "nominal", scale: null },
        },
      },
    ],
  };
  const note = fixedNote(layout);
  const top = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { anchor: "start", offset: 10, text: opts.title ?? `Phase diagram: majority class over seeds (${opts.rule === "pair" ? "PAIR rule" : "Liu et al. 2022"}); text = its fraction`, ...(note ? { subtitle: note } : {}) },
    background: "white",
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 13 }, view: { stroke: null } },
  };
  return withFacets(layout, chart, top);
}
