/**
 * Phase diagram of a sweep as a Vega-Lite spec: one rectangle per grid cell, coloured by the class most of its seeds
 * fell in (a fixed colour per class, so diagrams compare), labelled with the fraction of seeds in that class.
 * The spec carries its data inline, so the web lab can draw it as is.
 */
import { CORRUPTION_PHASE_LABELS, CORRUPTION_PHASES, type CorruptionPhase } from "../../measures/memorization/corruption.js";
import type { CellAggregate, RuleSummary } from "../aggregate.js";
import { CLASS_LABELS, LIU_CLASSES, PAIR_CLASSES, type LiuClass, type PairClass } from "../classify.js";
import { channelFields, FONT, fixedNote, positionEncoding, resolveLayout, withFacets, type LayoutOptions } from "./layout.js";

export type PhaseRule = "pair" | "liu" | "corruption";
export const PHASE_RULES: readonly PhaseRule[] = ["pair", "liu", "corruption"];

/**
 * Liu et al.'s colours (viridis: comprehension green, grokking yellow, memorization purple, confusion black, from
 * the authors' phase-diagram code); PAIR's classes take the colour of their nearest Liu phase. Doshi et al.'s six
 * phases take the Okabe–Ito palette (Wong 2011, Nature Methods 8:441), made to stay apart under colour blindness:
 * the generalizing phases warm/green/light blue, the failing ones dark blue, vermillion and black.
 */
export const CLASS_COLORS: {
  readonly pair: Readonly<Record<PairClass, string>>;
  readonly liu: Readonly<Record<LiuClass, string>>;
  readonly corruption: Readonly<Record<CorruptionPhase, string>>;
} = {
  pair: { high_train_loss: "#555555", high_test_loss: "#46327e", drop_together: "#a0da39", grokking: "#fde725" },
  liu: { comprehension: "#a0da39", grokking: "#fde725", memorization: "#46327e", confusion: "#1e1e1e" },
  corruption: { coexistence: "#e69f00", partial_inversion: "#56b4e9", full_inversion: "#009e73", memorization: "#0072b2", forgetting: "#d55e00", confusion: "#000000" },
};
const DARK = new Set(["#555555", "#46327e", "#1e1e1e", "#0072b2", "#000000"]);

export const RULE_TITLES: Readonly<Record<PhaseRule, string>> = { pair: "phase (PAIR rule)", liu: "phase (Liu et al. 2022)", corruption: "phase (Doshi et al. 2024, label corruption)" };
const RULE_NAMES: Readonly<Record<PhaseRule, string>> = { pair: "PAIR rule", liu: "Liu et al. 2022", corruption: "Doshi et al. 2024 label corruption" };

/** A rule's classes in legend order, their labels and colours. */
function ruleClasses(rule: PhaseRule): { order: readonly string[]; labels: Record<string, string>; colors: Record<string, string> } {
  if (rule === "corruption") return { order: CORRUPTION_PHASES, labels: CORRUPTION_PHASE_LABELS, colors: CLASS_COLORS.corruption };
  return { order: rule === "pair" ? PAIR_CLASSES : LIU_CLASSES, labels: CLASS_LABELS[rule], colors: CLASS_COLORS[rule] };
}

/** The cell's summary under a rule (undefined: a cell without corrupted labels, under the corruption rule). */
function summaryOf(c: CellAggregate, rule: PhaseRule): RuleSummary<string> | undefined {
  return rule === "pair" ? c.pair : rule === "liu" ? c.liu : c.corruption;
}

/**
 * The cells a rule can draw: every cell for PAIR and Liu; for the corruption phases, the cells whose runs had
 * corrupted labels (throws when there are none).
 */
function drawable(cells: readonly CellAggregate[], rule: PhaseRule): readonly CellAggregate[] {
  if (rule !== "corruption") return cells;
  const out = cells.filter((c) => c.corruption !== undefined);
  if (cells.length > 0 && out.length === 0) {
    throw new Error('phase diagram: rule "corruption" needs runs with corrupted labels (task.label_noise > 0 and the "corruption" measure); no cell of this sweep has corruption phases');
  }
  return out;
}

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

/** Under the corruption rule only the cells with corrupted labels are drawn. */
export function phaseDiagramData(cells: readonly CellAggregate[], opts: PhaseDiagramOptions): PhaseDatum[] {
  const layout = resolveLayout(drawable(cells, opts.rule), opts, "phase diagram");
  return layout.cells.map((c) => datum(c, opts, channelFields(layout, c)));
}

function datum(c: CellAggregate, opts: PhaseDiagramOptions, fields: Record<string, string>): PhaseDatum {
  const s = summaryOf(c, opts.rule)!;
  const { order, labels, colors } = ruleClasses(opts.rule);
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
  if (!PHASE_RULES.includes(opts.rule)) throw new Error(`phase diagram: rule must be ${PHASE_RULES.map((r) => `"${r}"`).join(", ")}, got ${JSON.stringify(opts.rule)}`);
  const layout = resolveLayout(drawable(cells, opts.rule), opts, "phase diagram");
  const values = phaseDiagramData(cells, opts);
  const { order, labels, colors } = ruleClasses(opts.rule);
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
    title: { anchor: "start", offset: 10, text: opts.title ?? `Phase diagram: majority class over seeds (${RULE_NAMES[opts.rule]}); text = its fraction`, ...(note ? { subtitle: note } : {}) },
    background: "white",
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 13 }, view: { stroke: null } },
  };
  return withFacets(layout, chart, top);
}
