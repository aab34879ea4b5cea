/**
 * The sweeps half of the JSON API: the list, one sweep's grid cells (aggregated over seeds, every phase rule) with its
 * runs, and its phase diagram drawn to SVG on the server (Vega runs here, so the browser needs no Vega).
 */
import { SpecError } from "../runs/spec.js";
import type { Store } from "../runs/store.js";
import { aggregateCells, type CellAggregate } from "../sweeps/aggregate.js";
import { describeLiuRule, describePairRule, pairForm, parseClassify } from "../sweeps/classify.js";
import { PHASE_RULES, phaseDiagramSpec, renderSvg, type PhaseRule } from "../sweeps/plots/index.js";
import { listSweeps, loadSweepResults, sweepRuns, type SweepRecord } from "../sweeps/sweep-store.js";
import type { AxisValue } from "../sweeps/types.js";
import { checkName, HttpError } from "./http.js";

/** The part of a stored sweep spec the web lab reads (written by `grokscope sweep`). */
interface StoredSweep {
  readonly axes: Readonly<Record<string, readonly AxisValue[]>>;
  readonly seeds?: readonly number[];
  readonly classify?: unknown;
}

function axesOf(record: SweepRecord): Readonly<Record<string, readonly AxisValue[]>> {
  const axes = (record.spec as StoredSweep | null)?.axes;
  return axes && typeof axes === "object" ? axes : {};
}

export async function listSweepsJson(store: Store): Promise<unknown> {
  const sweeps = await listSweeps(store);
  return { sweeps: sweeps.map((s) => ({ name: s.name, total: s.total, done: s.done, failed: s.failed, axes: axesOf(s) })) };
}

async function requireSweep(store: Store, rawName: string): Promise<SweepRecord> {
  const name = checkName("sweep name", rawName);
  const record = (await listSweeps(store)).find((s) => s.name === name);
  if (!record) throw new HttpError(404, `no sweep "${name}"`);
  return record;
}

/**
 * Cells of the finished runs, over the axis values that have at least one (as `grokscope phases` does), and the
 * rules they were classified by, in words: PAIR's once per form its runs' losses call for.
 */
async function cellsOf(store: Store, record: SweepRecord): Promise<{ cells: CellAggregate[]; rules: { pair: string[]; pair_forms: string[]; liu: string } }> {
  const classify = (record.spec as StoredSweep | null)?.classify;
  const config = parseClassify(classify);
  const results = await loadSweepResults(store, record.name);
  const byForm = new Map<string, string>();
  for (const loss of new Set(results.map((r) => r.loss))) byForm.set(pairForm(config.pair, loss), describePairRule(config.pair, loss));
  const rules = { pair: [...byForm.values()], pair_forms: [...byForm.keys()], liu: describeLiuRule(config.liu) };
  if (results.length === 0) return { cells: [], rules };
  const axes = Object.fromEntries(Object.entries(axesOf(record)).map(([k, vs]) => [k, vs.filter((v) => results.some((r) => String(r.cell[k]) === String(v)))]));
  return { cells: aggregateCells(results, axes, { classify: config }), rules };
}

export async function sweepJson(store: Store, rawName: string): Promise<unknown> {
  const record = await requireSweep(store, rawName);
  const [{ cells, rules }, runs] = await Promise.all([cellsOf(store, record), sweepRuns(store, record.name)]);
  return {
    name: record.name,
    total: record.total,
    done: record.done,
    failed: record.failed,
    axes: axesOf(record),
    cells,
    rules,
    runs: runs.map((r) => ({ run_id: r.runId, run_key: r.runKey, cell: r.cell, seed: r.seed, status: r.status, error: r.error, classes: r.classes })),
  };
}

/** The phase diagram (Vega-Lite → SVG): x, y = the first two axes with several values, a third and fourth as facets. */
export async function phasesSvg(store: Store, rawName: string, q: URLSearchParams): Promise<string> {
  const rule = q.get("rule") ?? "pair";
  if (!(PHASE_RULES as readonly string[]).includes(rule)) throw new HttpError(400, `rule: expected ${PHASE_RULES.join(", ")}, got ${JSON.stringify(rule.slice(0, 40))}`);
  const record = await requireSweep(store, rawName);
  const { cells: all, rules } = await cellsOf(store, record);
  if (all.length === 0) throw new HttpError(404, `sweep "${record.name}" has no finished runs yet (${record.done}/${record.total})`);
  // the corruption phases exist only for runs with corrupted labels: the axes are chosen among those cells
  const cells = rule === "corruption" ? all.filter((c) => c.corruption !== undefined) : all;
  if (cells.length === 0) throw new HttpError(404, `sweep "${record.name}" has no run with corrupted labels: no corruption phase diagram`);
  const axisKeys = Object.keys(cells[0].cell);
  if (axisKeys.length === 0) throw new HttpError(404, `sweep "${record.name}" has no axes (only seeds): no phase diagram to draw`);
  const valuesOf = (k: string) => [...new Set(cells.map((c) => String(c.cell[k])))];
  const free = axisKeys.filter((k) => valuesOf(k).length > 1);
  const fixed: Record<string, AxisValue> = {};
  const x = free[0] ?? axisKeys[0];
  const y = free.find((k) => k !== x);
  for (const k of axisKeys) if (!free.includes(k)) fixed[k] = cells[0].cell[k]; // one value: a note, not a facet
  for (const k of free.slice(4)) fixed[k] = cells[0].cell[k]; // x, y, columns, rows; a fifth axis is held at its first value
  const pairName = rules.pair_forms.length === 1 ? `PAIR's rule (${rules.pair_forms[0]} form)` : "PAIR's rule";
  const title = `${record.name}: phases by ${rule === "pair" ? pairName : rule === "liu" ? "Liu et al.'s rule" : "Doshi et al.'s label-corruption rule"}`;
  try {
    return await renderSvg(phaseDiagramSpec(cells, { x, y, fixed, rule: rule as PhaseRule, title }));
  } catch (e) {
    if (e instanceof SpecError) throw new HttpError(400, e.message);
    throw e;
  }
}
