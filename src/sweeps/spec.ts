/**
 * Sweep specs, in the same two stages as run specs: a loose user `SweepSpec` (YAML/JSON or a sweep preset) is
 * normalized into a frozen `SweepConfig` whose runs are fully expanded and validated — every run's config goes
 * through `normalizeSpec`, so an axis on a key that does not exist fails before anything trains, naming the axis.
 *
 *   name: wd-scan                      # the sweep's name in the store; re-running it resumes
 *   base: sparse-parity                # a run preset …
 *   spec: { steps: 5000 }              # … and/or a (partial) run spec deep-merged onto it
 *   axes:                              # any spec key, as a dotted path (the same paths as --set)
 *     optimizer.weight_decay: [0.01, 0.1, 1]          # a list
 *     model.width: { from: 16, to: 64, step: 16 }      # a linear grid, both ends included
 *     optimizer.lr: { from: 1e-4, to: 1e-2, num: 5, scale: log }   # num points, linear or log spaced
 *   variants:                          # named sets of overrides: one more axis, "variant", varied first
 *     weight-decay: { optimizer.weight_decay: 0.1 }
 *     dropout: { optimizer.weight_decay: 0, model.dropout: 0.3 }
 *   seeds: 3                           # seeds 1..3 (or a list); or make `seed` an axis
 *   classify: { pair: { … }, liu: { … } }   # thresholds of the phase rules (see classify.ts)
 *
 * Runs are the cartesian product of the axes in the order written, seeds innermost; each run's key is
 * "axis=value,…,seed=s" — stable, so a sweep is resumable and its runs can be found again.
 */
import { z } from "zod";
import { applyOverride } from "../runs/overrides.js";
import { mergeSpec, presetBase } from "../runs/compose.js";
import { normalizeSpec, SpecError, type RunConfig } from "../runs/spec.js";
import { describeIssue } from "../util/zod-issue.js";
import type { AxisValue, SweepRun } from "./types.js";

/** Most runs one sweep may expand to (PAIR's full grid is 1,125). */
export const MAX_SWEEP_RUNS = 100_000;

const scalar = z.union([z.number().finite(), z.string(), z.boolean()]);
const AxisSchema = z.union([
  z.array(scalar),
  z.strictObject({ values: z.array(scalar) }),
  z.strictObject({ from: z.number().finite(), to: z.number().finite(), step: z.number().positive("must be > 0").finite() }),
  z.strictObject({
    from: z.number().finite(),
    to: z.number().finite(),
    num: z.number().int("must be an integer").min(1, "must be ≥ 1").max(MAX_SWEEP_RUNS, `must be ≤ ${MAX_SWEEP_RUNS}`),
    scale: z.enum(["linear", "log"]).default("linear"),
  }),
]);
type AxisSpec = z.output<typeof AxisSchema>;

const SweepSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, "must be letters, digits, '_', '.' or '-' (at most 100), starting with a letter or digit"),
  description: z.string().optional(),
  base: z.string().optional(),
  spec: z.record(z.string(), z.unknown()).optional(),
  axes: z.record(z.string(), AxisSchema).default({}),
  variants: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, "a variant name must be letters, digits, '_', '.' or '-'"), z.record(z.string(), z.unknown())).optional(),
  seeds: z.union([z.number().int("must be an integer").min(1, "must be ≥ 1").max(10_000, "must be ≤ 10000"), z.array(z.number().int("must be an integer").min(0, "must be ≥ 0")).min(1, "must not be empty")]).optional(),
  classify: z.unknown().optional(),
});

export type SweepSpec = z.input<typeof SweepSchema>;

export interface SweepConfig {
  readonly name: string;
  readonly description: string | null;
  /** The run spec every run starts from (preset merged with `spec`), before the axes are applied. */
  readonly base: Readonly<Record<string, unknown>>;
  /** Axis key → its values, in the order the runs vary them (seed excluded). */
  readonly axes: Readonly<Record<string, readonly AxisValue[]>>;
  /** Variant name → its overrides, when the sweep has a "variant" axis. */
  readonly variants?: Variants;
  readonly seeds: readonly number[];
  /** The phase rules' thresholds as written (validated by the classifier). */
  readonly classify: unknown;
  readonly runs: readonly SweepRun[];
}

const round = (x: number): number => Number(x.toPrecision(12)); // 0.1 + 0.2 → 0.3: grid values read as written

/** The values of one axis. */
export function axisValues(axis: AxisSpec, key: string): AxisValue[] {
  const where = `axes.${key}`;
  let values: AxisValue[];
  if (Array.isArray(axis)) values = axis;
  else if ("values" in axis) values = axis.values;
  else if ("step" in axis) {
    if (axis.to < axis.from) throw new SpecError(`${where}: "to" (${axis.to}) is below "from" (${axis.from})`);
    const n = Math.floor((axis.to - axis.from) / axis.step + 1e-9) + 1;
    if (n > MAX_SWEEP_RUNS) throw new SpecError(`${where}: ${n} values is too many`);
    values = Array.from({ length: n }, (_, i) => round(axis.from + i * axis.step));
  } else {
    const { from, to, num, scale } = axis;
    if (scale === "log" && (from <= 0 || to <= 0)) throw new SpecError(`${where}: a log scale needs from and to > 0`);
    if (num === 1) values = [from];
    else if (scale === "log") values = Array.from({ length: num }, (_, i) => round(Math.exp(Math.log(from) + (i * (Math.log(to) - Math.log(from))) / (num - 1))));
    else values = Array.from({ length: num }, (_, i) => round(from + (i * (to - from)) / (num - 1)));
  }
  if (values.length === 0) throw new SpecError(`${where}: no values (an empty axis makes an empty grid)`);
  const seen = new Set(values.map((v) => JSON.stringify(v)));
  if (seen.size !== values.length) throw new SpecError(`${where}: values repeat (${values.join(", ")})`);
  return values;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function runKeyOf(cell: Readonly<Record<string, AxisValue>>, seed: number): string {
  return [...Object.entries(cell).map(([k, v]) => `${k}=${v}`), `seed=${seed}`].join(",");
}

function cartesian(axes: ReadonlyArray<readonly [string, readonly AxisValue[]]>): Record<string, AxisValue>[] {
  let cells: Record<string, AxisValue>[] = [{}];
  for (const [key, values] of axes) cells = cells.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return cells;
}

/** The axis whose values name the sweep's variants (sets of overrides). */
export const VARIANT_AXIS = "variant";

type Variants = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** A run's config, or a SpecError naming the axis (or run) whose value the run spec rejects. */
function runConfig(base: Record<string, unknown>, cell: Record<string, AxisValue>, seed: number, variants: Variants): RunConfig {
  let spec = base;
  for (const [key, value] of Object.entries(cell)) {
    if (key === VARIANT_AXIS) {
      for (const [k, v] of Object.entries(variants[String(value)])) {
        try {
          spec = applyOverride(spec, k.split("."), v);
        } catch (e) {
          throw new SpecError(`variants.${value}.${k}: ${(e as Error).message.replace(/^--set [^:]*: /, "")}`);
        }
      }
      continue;
    }
    try {
      spec = applyOverride(spec, key.split("."), value);
    } catch (e) {
      throw new SpecError(`axes.${key}: ${(e as Error).message.replace(/^--set [^:]*: /, "")}`);
    }
  }
  spec = { ...spec, seed };
  try {
    return normalizeSpec(spec);
  } catch (e) {
    const msg = (e as Error).message;
    const axis = Object.keys(cell).find((k) => msg === k || msg.startsWith(`${k}:`) || msg.startsWith(`${k}.`) || k.startsWith(msg.split(":")[0] + "."));
    throw new SpecError(axis ? `axes.${axis} = ${JSON.stringify(cell[axis])}: ${msg}` : `run ${runKeyOf(cell, seed)}: ${msg}`);
  }
}

/** Validates a sweep spec, expands its runs and normalizes each run's config. Throws SpecError naming the key. */
export function normalizeSweep(spec: unknown, opts: { overrides?: (base: Record<string, unknown>) => Record<string, unknown> } = {}): SweepConfig {
  if (!isPlainObject(spec)) throw new SpecError("sweep spec: must be an object");
  const parsed = SweepSchema.safeParse(spec);
  if (!parsed.success) throw new SpecError(describeIssue(parsed.error.issues[0]));
  const s = parsed.data;
  if (s.base === undefined && s.spec === undefined) throw new SpecError(`sweep "${s.name}": give a base preset ("base") and/or a run spec ("spec")`);
  let base: Record<string, unknown> = s.base !== undefined ? presetBase(s.base, s.spec ?? {}) : {};
  if (s.spec !== undefined) base = mergeSpec(base, structuredClone(s.spec));
  if (opts.overrides) base = opts.overrides(base);
  const variants: Variants = s.variants ?? {};
  if (s.variants !== undefined && Object.keys(variants).length === 0) throw new SpecError("variants: give at least one named set of overrides");
  if (VARIANT_AXIS in s.axes) throw new SpecError(`axes.${VARIANT_AXIS}: the variant axis comes from "variants", not from axes`);
  for (const [name, over] of Object.entries(variants)) {
    for (const k of Object.keys(over)) if (k in s.axes) throw new SpecError(`variants.${name}.${k}: also an axis; a key is set by a variant or an axis, not both`);
  }
  const axes = [
    ...(s.variants ? [[VARIANT_AXIS, Object.keys(variants)] as const] : []),
    ...Object.entries(s.axes).map(([key, a]) => [key, axisValues(a, key)] as const),
  ];
  for (const [key] of axes) {
    if (key.split(".").some((p) => p === "" || p === "__proto__" || p === "constructor" || p === "prototype")) throw new SpecError(`axes.${key}: bad key path`);
    if (key === "preset" || key === "description") throw new SpecError(`axes.${key}: not a key a sweep can vary`);
  }
  const seedAxis = axes.find(([k]) => k === "seed");
  if (seedAxis && s.seeds !== undefined) throw new SpecError(`seeds: the sweep already has a "seed" axis; give one or the other`);
  const seeds = seedAxis
    ? seedAxis[1].map((v) => {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new SpecError(`axes.seed: seeds must be integers ≥ 0, got ${JSON.stringify(v)}`);
        return v;
      })
    : s.seeds === undefined
      ? [typeof base.seed === "number" ? base.seed : 1]
      : typeof s.seeds === "number"
        ? Array.from({ length: s.seeds }, (_, i) => i + 1)
        : s.seeds;
  if (new Set(seeds).size !== seeds.length) throw new SpecError(`seeds: values repeat (${seeds.join(", ")})`);
  const gridAxes = axes.filter(([k]) => k !== "seed");
  const total = gridAxes.reduce((n, [, v]) => n * v.length, seeds.length);
  if (total > MAX_SWEEP_RUNS) throw new SpecError(`axes: the grid has ${total} runs, more than ${MAX_SWEEP_RUNS}`);
  const runs: SweepRun[] = [];
  for (const cell of cartesian(gridAxes)) {
    for (const seed of seeds) runs.push({ runKey: runKeyOf(cell, seed), cell, seed, config: runConfig(base, cell, seed, variants) });
  }
  return { name: s.name, description: s.description ?? null, base, axes: Object.fromEntries(gridAxes), ...(s.variants ? { variants } : {}), seeds, classify: s.classify ?? {}, runs };
}
