/**
 * Sweep charts rendered for real (Vega-Lite → Vega → SVG → PNG): one rectangle per grid cell, every class of the
 * rule in the legend, axis titles = the spec keys, numeric axes in numeric order with values shown as written,
 * facets for extra axes, the label-corruption phases (Doshi et al. 2024) on the cells that have them, and a PNG that
 * decodes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricRow } from "../../src/runs/metrics-file.js";
import type { RunSummary } from "../../src/runs/run.js";
import { aggregateCells, type CellAggregate } from "../../src/sweeps/aggregate.js";
import { CORRUPTION_PHASE_LABELS, CORRUPTION_PHASES, type CorruptionPhase } from "../../src/measures/memorization/corruption.js";
import { CLASS_LABELS, LIU_CLASSES, PAIR_CLASSES } from "../../src/sweeps/classify.js";
import { CLASS_COLORS, grokStepSpec, phaseDiagramSpec, renderPng, renderSvg } from "../../src/sweeps/plots/index.js";
import type { AxisValue, SweepRunResult } from "../../src/sweeps/types.js";

const TINY = 2 ** -20;

/** A run that fits at step 100 and groks at `grokAt` (late: Liu's grokking too), or memorizes when grokAt is null. */
function run(cell: Record<string, AxisValue>, seed: number, grokAt: number | null): SweepRunResult {
  const rows: MetricRow[] = [];
  for (const step of [0, 100, 1000, 2000, 3000, 4000]) {
    const grokked = grokAt !== null && step >= grokAt;
    rows.push(
      { step, key: "train_loss", value: step ? TINY : 4 },
      { step, key: "test_loss", value: grokked ? TINY : 3 },
      { step, key: "train_acc", value: step ? 1 : 0 },
      { step, key: "test_acc", value: grokked ? 1 : 0.1 },
    );
  }
  const summary = { run_id: `r${seed}`, preset: null, seed, steps: 4000, train_acc: 1, test_acc: 1, train_loss: 0, test_loss: 0, memorize_step: 100, grok_step: grokAt, grok_delay: null, final_measures: {}, backend: "js", seconds: 0, run_dir: "" } satisfies RunSummary;
  return { runKey: `${JSON.stringify(cell)}/${seed}`, cell, seed, summary, rows };
}

/** A grid over the axes (values in the order given), two seeds per cell; wd 1 never groks. */
function cellsOf(axes: Record<string, AxisValue[]>): CellAggregate[] {
  let grid: Record<string, AxisValue>[] = [{}];
  for (const [k, vs] of Object.entries(axes)) grid = grid.flatMap((c) => vs.map((v) => ({ ...c, [k]: v })));
  const results = grid.flatMap((cell, i) => [1, 2].map((seed) => run(cell, seed, cell["optimizer.weight_decay"] === 1 ? null : 2000 + 1000 * ((i + seed) % 2))));
  return aggregateCells(results, axes);
}

const count = (s: string, needle: string): number => s.split(needle).length - 1;
const rects = (svg: string): number => count(svg, 'aria-roledescription="rect mark"');
/** The texts of the SVG's groups of a role (e.g. "legend-label", "axis-label"), in document order. */
function texts(svg: string, role: string): string[] {
  const out: string[] = [];
  for (const part of svg.split(`role-${role}"`).slice(1)) {
    const group = part.slice(0, part.indexOf("</g>"));
    for (const m of group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)) out.push(m[1]);
  }
  return out;
}

test("phase diagram: one rect per cell, every class in the legend, key names as axis titles, numeric order", async () => {
  // axis values written out of order and log-like: drawn 1e-7, 0.01, 1 left to right, and 16, 64 bottom to top
  const cells = cellsOf({ "optimizer.weight_decay": [1, 1e-7, 0.01], "model.width": [64, 16] });
  for (const rule of ["pair", "liu"] as const) {
    const spec = phaseDiagramSpec(cells, { x: "optimizer.weight_decay", y: "model.width", rule });
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, "the spec is plain JSON (the web lab draws it as is)");
    const svg = await renderSvg(spec);
    assert.ok(svg.startsWith("<svg"), svg.slice(0, 40));
    assert.equal(rects(svg), 6);
    const classes: readonly string[] = rule === "pair" ? PAIR_CLASSES : LIU_CLASSES;
    const labels = CLASS_LABELS[rule] as Record<string, string>;
    assert.deepEqual(texts(svg, "legend-label"), classes.map((c) => labels[c]));
    const titles = texts(svg, "axis-title");
    assert.ok(titles.includes("optimizer.weight_decay") && titles.includes("model.width"), titles.join(" | "));
    const axisLabels = texts(svg, "axis-label");
    assert.ok(axisLabels.join(",").includes("1e-7,0.01,1"), axisLabels.join(","));
    assert.ok(axisLabels.join(",").includes("64,16"), `y from the top: ${axisLabels.join(",")}`);
  }
  // the majority class and its fraction are what the cells say: wd 1 never groks → memorization, 2/2 → "1.00"
  const data = (phaseDiagramSpec(cells, { x: "optimizer.weight_decay", y: "model.width", rule: "liu" }).data as { values: { x: string; phase: string; fraction: number }[] }).values;
  for (const d of data) assert.equal(d.phase, d.x === "1" ? "memorization" : "grokking");
  assert.ok(data.every((d) => d.fraction === 1));
});

test("more than two axes: facet by the third, rows by the fourth, fix the rest; bad layouts named", async () => {
  const cells = cellsOf({ "optimizer.weight_decay": [0.1, 1], "model.width": [16, 32], "task.n_train": [500, 1000, 1500], "optimizer.lr": [0.001, 0.01] });
  const faceted = phaseDiagramSpec(cells, { x: "optimizer.weight_decay", y: "model.width", rule: "pair" });
  assert.equal((faceted.facet as { column: { title: string } }).column.title, "task.n_train");
  assert.equal((faceted.facet as { row: { title: string } }).row.title, "optimizer.lr");
  const svg = await renderSvg(faceted);
  assert.equal(rects(svg), 2 * 2 * 3 * 2);
  assert.ok(svg.includes(">task.n_train<") && svg.includes(">optimizer.lr<"), "facet titles");
  const fixed = phaseDiagramSpec(cells, { x: "optimizer.weight_decay", y: "model.width", facet: "task.n_train", fixed: { "optimizer.lr": 0.01 }, rule: "pair" });
  assert.equal(rects(await renderSvg(fixed)), 2 * 2 * 3);
  assert.throws(() => phaseDiagramSpec(cells, { x: "optimizer.weight_decay", y: "model.width", facet: "task.n_train", row: "task.n_train", rule: "pair" }), /on two channels/);
  assert.throws(() => phaseDiagramSpec(cells, { x: "model.depth", rule: "pair" }), /x "model\.depth" is not an axis of the sweep/);
  assert.throws(() => phaseDiagramSpec(cells, { x: "optimizer.weight_decay", y: "model.width", fixed: { "optimizer.lr": 0.5 }, rule: "pair" }), /fixed optimizer\.lr=0\.5 is not one of its values \(0\.001, 0\.01\)/);
  const five = cellsOf({ a: [1, 2], b: [1, 2], c: [1], d: [1], e: [1] });
  assert.throws(() => phaseDiagramSpec(five, { x: "a", y: "b", rule: "liu" }), /axis "e" is not drawn; fix its value/);
});

test("grok steps: median heatmap (rect per cell, plus colour where some seed grokked) and 10–90% error bars", async () => {
  const cells = cellsOf({ "optimizer.weight_decay": [0.1, 0.3, 1], "model.width": [16, 32] });
  const grokked = cells.filter((c) => c.grok.n_grokked > 0).length;
  assert.equal(grokked, 4, "wd 1 never groks");
  const heat = await renderSvg(grokStepSpec(cells, { x: "optimizer.weight_decay", y: "model.width" }));
  assert.equal(rects(heat), cells.length + grokked);
  for (const c of cells.filter((c) => c.grok.median !== null)) assert.ok(heat.includes(`>${c.grok.median! / 1000}k<`), `median ${c.grok.median}`);
  const bars = await renderSvg(grokStepSpec(cells, { x: "optimizer.weight_decay", y: "model.width", kind: "errorbar" }));
  assert.equal(count(bars, 'aria-roledescription="rule mark"'), grokked);
  assert.ok(texts(bars, "legend-title").includes("model.width"));
  assert.throws(() => grokStepSpec(cellsOf({ a: [1, 2] }), { x: "a", kind: "heatmap" }), /a heatmap needs y/);
});

/** Final [test acc, clean, corrupted, inversion] that the default thresholds (0.9) read as each phase. */
const PHASE_VALUES: Record<CorruptionPhase, readonly number[]> = {
  coexistence: [0.95, 1, 0.97, 0.02],
  partial_inversion: [0.95, 1, 0.5, 0.4],
  full_inversion: [0.95, 1, 0.03, 0.95],
  memorization: [0.1, 1, 1, 0],
  forgetting: [0.1, 0.3, 0.2, 0.05],
  confusion: [0.3, 0.99, 0.5, 0.1],
};

/** A run with corrupted labels ending in `phase` (the corruption rows at the last step, 4000). */
function corruptedRun(cell: Record<string, AxisValue>, seed: number, phase: CorruptionPhase): SweepRunResult {
  const base = run(cell, seed, 2000);
  const [test, clean, corrupted, inversion] = PHASE_VALUES[phase];
  const rows = base.rows.map((r) => (r.step === 4000 && r.key === "test_acc" ? { ...r, value: test } : r));
  rows.push({ step: 4000, key: "corruption/train_acc_clean", value: clean }, { step: 4000, key: "corruption/train_acc_corrupted", value: corrupted }, { step: 4000, key: "corruption/inversion", value: inversion });
  return { ...base, rows };
}

/** Relative luminance (WCAG 2) of "#rrggbb". */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test("corruption phases: one rect per corrupted cell, the six phases in the legend in phase order, clean cells left out", async () => {
  // ξ × weight decay, one phase per corrupted cell (all six), and a clean column ξ = 0 that has no corruption phase
  const axes = { "task.label_noise": [0, 0.1, 0.5], "optimizer.weight_decay": [0, 1, 3] };
  const phaseAt: Record<string, CorruptionPhase> = {
    "0.1/0": "memorization", "0.1/1": "coexistence", "0.1/3": "full_inversion",
    "0.5/0": "forgetting", "0.5/1": "confusion", "0.5/3": "partial_inversion",
  };
  const results: SweepRunResult[] = [];
  for (const xi of axes["task.label_noise"]) {
    for (const wd of axes["optimizer.weight_decay"]) {
      const cell = { "task.label_noise": xi, "optimizer.weight_decay": wd };
      for (const seed of [1, 2]) results.push(xi === 0 ? run(cell, seed, 2000) : corruptedRun(cell, seed, phaseAt[`${xi}/${wd}`]));
    }
  }
  const cells = aggregateCells(results, axes);
  assert.equal(cells.length, 9);
  const spec = phaseDiagramSpec(cells, { x: "task.label_noise", y: "optimizer.weight_decay", rule: "corruption" });
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  const data = (spec.data as { values: { x: string; y: string; phase: string; fraction: number; text_color: string }[] }).values;
  assert.equal(data.length, 6, "the ξ = 0 cells have no corruption phase and are not drawn");
  for (const d of data) {
    const phase = phaseAt[`${d.x}/${d.y}`];
    assert.equal(d.phase, CORRUPTION_PHASE_LABELS[phase], `${d.x}/${d.y}`);
    assert.equal(d.fraction, 1);
    // readable text: the label colour contrasts ≥ 4.5 with the cell (WCAG AA)
    const L = luminance(CLASS_COLORS.corruption[phase]);
    const contrast = d.text_color === "white" ? 1.05 / (L + 0.05) : (L + 0.05) / 0.05;
    assert.ok(contrast >= 4.5, `${phase}: ${d.text_color} on ${CLASS_COLORS.corruption[phase]} has contrast ${contrast.toFixed(2)}`);
  }
  const svg = await renderSvg(spec);
  assert.equal(rects(svg), 6);
  assert.deepEqual(texts(svg, "legend-label"), CORRUPTION_PHASES.map((p) => CORRUPTION_PHASE_LABELS[p]));
  assert.ok(svg.includes("Doshi et al. 2024"), "the rule is named in the title");
  for (const p of CORRUPTION_PHASES) assert.ok(svg.toLowerCase().includes(`fill="${CLASS_COLORS.corruption[p]}"`), `a cell is drawn in the colour of ${p}`);
  assert.equal(new Set(Object.values(CLASS_COLORS.corruption)).size, CORRUPTION_PHASES.length, "six distinct colours");
  // the PAIR and Liu diagrams of the same sweep still draw all nine cells
  assert.equal(rects(await renderSvg(phaseDiagramSpec(cells, { x: "task.label_noise", y: "optimizer.weight_decay", rule: "liu" }))), 9);
  // a sweep without corrupted labels: a clear error naming what is missing
  const clean = cellsOf({ "optimizer.weight_decay": [0.1, 1] });
  assert.throws(() => phaseDiagramSpec(clean, { x: "optimizer.weight_decay", rule: "corruption" }), /rule "corruption" needs runs with corrupted labels \(task\.label_noise > 0/);
  assert.throws(() => phaseDiagramSpec(clean, { x: "optimizer.weight_decay", rule: "doshi" as "liu" }), /rule must be "pair", "liu", "corruption", got "doshi"/);
});

test("PNG: the signature, and a header whose size is the SVG's times the scale", async () => {
  const svg = await renderSvg(phaseDiagramSpec(cellsOf({ "optimizer.weight_decay": [0.1, 1] }), { x: "optimizer.weight_decay", rule: "liu" }));
  const [w, h] = [/width="(\d+)"/, /height="(\d+)"/].map((re) => Number(svg.match(re)![1]));
  const png = renderPng(svg, { scale: 2 });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), "IHDR");
  assert.ok(w > 0 && h > 0);
  assert.equal(view.getUint32(16), 2 * w);
  assert.equal(view.getUint32(20), 2 * h);
  assert.throws(() => renderPng(svg, { scale: 0 }), /scale must be in/);
});
