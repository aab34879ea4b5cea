import { Command } from "commander";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { applyOverrides, parseOverride } from "../../runs/overrides.js";
import { SpecError } from "../../runs/spec.js";
import { openStore } from "../../runs/store.js";
import { aggregateCells, type CellAggregate } from "../../sweeps/aggregate.js";
import { grokStepSpec, PHASE_RULES, phaseDiagramSpec, renderPng, renderSvg, type PhaseRule } from "../../sweeps/plots/index.js";
import { listSweeps, loadSweepResults } from "../../sweeps/sweep-store.js";
import type { AxisValue } from "../../sweeps/types.js";
import { dataDirFrom } from "../data-dir.js";
import type { StoredSweepSpec } from "./sweep.js";
import { estimateDcrit, formatDcrit, SIZE_AXES } from "../../sweeps/dcrit.js";
import type { SweepRunResult } from "../../sweeps/types.js";

const collect = (v: string, prev: string[]) => [...prev, v];

function fmtStep(s: number | null): string {
  if (s === null) return "—";
  return s >= 10_000 ? `${(s / 1000).toFixed(1)}k` : String(Math.round(s));
}

const RULE_NAMES: Readonly<Record<PhaseRule, string>> = { pair: "PAIR's rule", liu: "Liu et al.'s rule", corruption: "Doshi et al.'s label-corruption rule" };

/**
 * One line per grid cell: its axis values, each rule's majority class and the grok-step spread over seeds; a column
 * for the label-corruption phases when some cell has them ("—" for a cell without corrupted labels).
 */
export function formatCellTable(cells: readonly CellAggregate[], axes: readonly string[]): string {
  const corruption = cells.some((c) => c.corruption !== undefined);
  const head = [...axes, "n", "PAIR rule", "Liu et al.", ...(corruption ? ["Doshi et al."] : []), "grokked", "grok step median [p10–p90]"];
  const rows = cells.map((c) => [
    ...axes.map((a) => String(c.cell[a])),
    String(c.n),
    `${c.pair.majority} ${Math.round(100 * c.pair.majority_fraction)}%`,
    `${c.liu.majority} ${Math.round(100 * c.liu.majority_fraction)}%`,
    ...(corruption ? [c.corruption ? `${c.corruption.majority} ${Math.round(100 * c.corruption.majority_fraction)}%` : "—"] : []),
    `${c.grok.n_grokked}/${c.grok.n}`,
    c.grok.median === null ? "—" : `${fmtStep(c.grok.median)} [${fmtStep(c.grok.p10)}–${fmtStep(c.grok.p90)}]`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

function parseFixed(items: readonly string[], axes: Readonly<Record<string, readonly AxisValue[]>>): Record<string, AxisValue> {
  const fixed: Record<string, AxisValue> = {};
  for (const item of items) {
    const { path, value } = parseOverride(item);
    const key = path.join(".");
    if (!(key in axes)) throw new SpecError(`--fix ${key}: not an axis of the sweep (axes: ${Object.keys(axes).join(", ")})`);
    if (!axes[key].some((v) => String(v) === String(value))) throw new SpecError(`--fix ${key}: ${String(value)} is not one of its values (${axes[key].join(", ")})`);
    fixed[key] = axes[key].find((v) => String(v) === String(value))!;
  }
  return fixed;
}

/** The sweep's stored `classify` block with each `--classify key=value` applied (e.g. pair.loss_floor=1.19e-7). */
function classifyWith(stored: unknown, items: readonly string[]): unknown {
  try {
    return applyOverrides((stored ?? {}) as Record<string, unknown>, items);
  } catch (e) {
    throw e instanceof SpecError ? new SpecError(e.message.replace(/^--set /, "--classify ")) : e;
  }
}

/** --x/--y/--facet/--fix name axes of the sweep, each at most once (checked with or without --out). */
function checkLayoutKeys(name: string, axisKeys: readonly string[], o: { x?: string; y?: string; facet?: string; fix: readonly string[] }): void {
  const seen = new Map<string, string>();
  const given: [string, string | undefined][] = [["--x", o.x], ["--y", o.y], ["--facet", o.facet], ...o.fix.map((f): [string, string] => ["--fix", parseOverride(f).path.join(".")])];
  for (const [flag, key] of given) {
    if (key === undefined) continue;
    if (!axisKeys.includes(key)) throw new SpecError(`${flag} ${key}: not an axis of sweep "${name}" (axes: ${axisKeys.join(", ") || "none"})`);
    const before = seen.get(key);
    if (before !== undefined) throw new SpecError(`${flag} ${key}: axis already given to ${before}`);
    seen.set(key, flag);
  }
}

export function phasesCommand(): Command {
  return new Command("phases")
    .description("classify a sweep's runs into phases, print a table per grid cell, and draw phase diagrams (SVG/PNG)")
    .argument("<sweep>", "sweep name (grokscope sweeps lists them)")
    .option("--out <file>", "write the chart: .svg, .png, or .json (the Vega-Lite spec with its data, for the web lab)")
    .option("--rule <rule>", "phase rule: pair (PAIR's loss thresholds), liu (Liu et al. 2022) or corruption (Doshi et al. 2024; runs with task.label_noise > 0)", "pair")
    .option("--grok-steps", "chart the grok step (median, 10–90% over seeds) instead of the phases")
    .option("--x <key>", "axis on x (default: the first axis)")
    .option("--y <key>", "axis on y (default: the second axis)")
    .option("--facet <key>", "axis whose values are columns of small charts")
    .option("--fix <key=value>", "hold an axis at one value (repeatable)", collect, [])
    .option("--classify <key=value>", "change a threshold of the sweep's classify block for this view, e.g. pair.loss_floor=1.19e-7 (repeatable)", collect, [])
    .option("--json", "print the per-cell aggregates as JSON lines instead of the table")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .action(async (name: string, o: { out?: string; rule: string; grokSteps?: boolean; x?: string; y?: string; facet?: string; fix: string[]; classify: string[]; json?: boolean; dataDir?: string }) => {
      if (!(PHASE_RULES as readonly string[]).includes(o.rule)) throw new SpecError(`--rule: expected ${PHASE_RULES.join(", ")}, got "${o.rule}"`);
      if (o.out !== undefined && ![".svg", ".png", ".json"].includes(extname(o.out).toLowerCase())) throw new SpecError(`--out ${o.out}: the file must end in .svg, .png or .json`);
      const dataDir = dataDirFrom(o.dataDir);
      if (!existsSync(dataDir)) throw new SpecError(`no sweep "${name}": no run store at ${dataDir}`);
      const store = await openStore(dataDir);
      let cells: CellAggregate[];
      let stored: StoredSweepSpec;
      let results: SweepRunResult[];
      try {
        const record = (await listSweeps(store)).find((s) => s.name === name);
        if (!record) throw new SpecError(`no sweep "${name}" in ${store.file}`);
        stored = record.spec as StoredSweepSpec;
        checkLayoutKeys(name, Object.keys(stored.axes), o);
        results = await loadSweepResults(store, name);
        if (results.length === 0) throw new SpecError(`sweep "${name}" has no finished runs yet (${record.done}/${record.total})`);
        const axes = Object.fromEntries(Object.entries(stored.axes).map(([k, values]) => [k, values.filter((v) => results.some((r) => String(r.cell[k]) === String(v)))]));
        cells = aggregateCells(results, axes, { classify: classifyWith(stored.classify, o.classify) });
      } finally {
        await store.close();
      }
      if (o.rule === "corruption" && !o.grokSteps && !cells.some((c) => c.corruption !== undefined)) {
        throw new SpecError(`--rule corruption: sweep "${name}" has no run with corrupted labels (it needs task.label_noise > 0 and the "corruption" measure)`);
      }
      const axisKeys = Object.keys(stored.axes);
      const sizeAxis = SIZE_AXES.find((a) => a in stored.axes);
      const dcrit = sizeAxis === undefined ? null : estimateDcrit(results, { axis: sizeAxis });
      if (o.json) {
        for (const c of cells) process.stdout.write(JSON.stringify(c) + "\n");
        if (dcrit) process.stdout.write(JSON.stringify({ d_crit: dcrit }) + "\n");
      } else {
        process.stdout.write(formatCellTable(cells, axisKeys) + "\n");
        if (dcrit && sizeAxis) process.stdout.write(formatDcrit(dcrit, sizeAxis) + "\n");
      }
      if (o.out === undefined) return;
      if (axisKeys.length === 0) throw new SpecError(`sweep "${name}" has no axes (only seeds): nothing to draw`);
      const fixed = parseFixed(o.fix, stored.axes);
      const shown = o.rule === "corruption" && !o.grokSteps ? cells.filter((c) => c.corruption !== undefined) : cells; // the corruption diagram leaves out clean cells
      const drawn = new Set(shown.flatMap((c) => Object.entries(c.cell).map(([k, v]) => `${k}=${String(v)}`)));
      for (const k of axisKeys) {
        const values = stored.axes[k].filter((v) => drawn.has(`${k}=${String(v)}`));
        if (values.length === 1 && !(k in fixed) && ![o.x, o.y, o.facet].includes(k)) fixed[k] = values[0]; // one value: a note, not a facet
      }
      const free = axisKeys.filter((k) => !(k in fixed));
      const x = o.x ?? free[0];
      const y = o.y ?? free.find((k) => k !== x && k !== o.facet);
      const layout = { x, y, facet: o.facet, fixed, title: `${name}: ${o.grokSteps ? "grok step over seeds" : `phases by ${RULE_NAMES[o.rule as PhaseRule]}`}` };
      const spec = o.grokSteps ? grokStepSpec(cells, layout) : phaseDiagramSpec(cells, { ...layout, rule: o.rule as PhaseRule });
      await mkdir(dirname(o.out), { recursive: true });
      const ext = extname(o.out).toLowerCase();
      if (ext === ".json") await writeFile(o.out, JSON.stringify(spec, null, 2) + "\n");
      else {
        const svg = await renderSvg(spec);
        await writeFile(o.out, ext === ".svg" ? svg : renderPng(svg));
      }
      process.stderr.write(`wrote ${o.out}\n`);
    });
}
