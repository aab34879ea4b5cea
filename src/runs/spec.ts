/**
 * Run specs in two stages (as Observable Framework does for its config): a loose user `RunSpec` (plain JSON/YAML,
 * a preset plus `--set` overrides) is normalized into a frozen `RunConfig` with every default filled in. Each
 * sub-config is validated by its own registry (task, model, optimizer, schedule, cadence), so errors name the full
 * key path: "optimizer.weight_decay: must be ≥ 0".
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { parseModelConfig, type ModelConfig } from "../models/registry.js";
import { parseTaskConfig, resolveTaskConfig, type ResolvedTaskConfig } from "../tasks/registry.js";
import { parseCadence, type Cadence } from "../train/cadence.js";
import { LOSS_NAMES, type LossName } from "../train/losses.js";
import { parseOptimizerConfig, type OptimizerConfig } from "../train/optimizers.js";
import { parseScheduleConfig, type ScheduleConfig } from "../train/schedules.js";
import { parseGrokfastConfig, type GrokfastConfig } from "../train/grokfast.js";
import { expandMeasureNames } from "../measures/registry.js";
import { parseLlcSettings } from "../measures/llc/llc.js";
import { parseComplexitySettings } from "../measures/complexity/complexity.js";
import { parseSurfingSettings } from "../measures/dynamics/surfing.js";
import { parseFourierSettings } from "../measures/fourier/fourier-circuit.js";
import { describeIssue } from "../util/zod-issue.js";
import { isSafeId } from "./run-id.js";
import { checkSizeBounds } from "./size-bounds.js";

export class SpecError extends Error {}

/** Log-spaced checkpoints a run gets unless its spec says otherwise: over 3,000 steps 1, 2, 3, 4, 6, 8, 11, … 1110, 1546, 2154, 3000. */
export const DEFAULT_CHECKPOINT_LOG_POINTS = 24;
/** The most log-spaced checkpoints a spec may ask for: the bound on the disk they take is this many checkpoints. */
export const MAX_CHECKPOINT_LOG_POINTS = 200;

/** The measures that take settings (`measure_settings.<name>`), each with its parser; a new one is one line here. */
const MEASURE_SETTINGS = { llc: parseLlcSettings, complexity: parseComplexitySettings, surfing: parseSurfingSettings, fourier: parseFourierSettings } as const;
type MeasureSettingsName = keyof typeof MEASURE_SETTINGS;
export type MeasureSettings = { readonly [K in MeasureSettingsName]?: ReturnType<(typeof MEASURE_SETTINGS)[K]> };

const TopLevelSchema = z.strictObject({
  preset: z.string().refine(isSafeId, "must be letters, digits, '.', '_' or '-' (it names run directories; no \"..\")").nullable().optional(),
  description: z.string().nullable().optional(),
  seed: z.number().int("must be an integer").min(0, "must be ≥ 0").default(1),
  /**
   * The seed of the task's draws (the train/test split, generated data) when it should not follow `seed`: runs with
   * one data_seed and different seeds share their data and differ in initialization and batches. null: `seed`.
   */
  data_seed: z.number().int("must be an integer").min(0, "must be ≥ 0").nullable().default(null),
  steps: z.number().int("must be an integer").min(0, "must be ≥ 0"),
  task: z.unknown(),
  model: z.unknown(),
  loss: z.enum(LOSS_NAMES as [LossName, ...LossName[]]),
  optimizer: z.unknown(),
  schedule: z.unknown().default({ name: "constant" }),
  /** Grokfast gradient filter: null, { name: ema, alpha, lamb } or { name: ma, window, lamb, warmup }. */
  grokfast: z.unknown().default(null),
  batch_size: z.number().int("must be an integer").min(1, "must be ≥ 1").nullable().default(null),
  eval: z.unknown().default({ every: 100 }),
  /** Checkpoint cadence in steps; step 0 and the final step are always checkpointed. */
  checkpoint_every: z.number().int("must be an integer").min(1, "must be ≥ 1").default(1000),
  /**
   * Also checkpoint at this many log-spaced steps (as eval.log_points places evaluations), so the weights are on disk
   * where grokking happens, early in log time; null: none. Adds at most this many checkpoints to a run.
   */
  checkpoint_log_points: z
    .number()
    .int("must be an integer or null")
    .min(1, "must be ≥ 1, or null for none")
    .max(MAX_CHECKPOINT_LOG_POINTS, `must be ≤ ${MAX_CHECKPOINT_LOG_POINTS} (each is a checkpoint on disk)`)
    .nullable()
    .default(DEFAULT_CHECKPOINT_LOG_POINTS),
  /** Measure names, or "all" for every measure that applies to the run's model and task. */
  measures: z.array(z.string()).default([]),
  /** Settings of individual measures, e.g. llc: { epsilon: 1e-4, chains: 4 }. */
  measure_settings: z
    .strictObject({ llc: z.unknown().optional(), complexity: z.unknown().optional(), surfing: z.unknown().optional(), fourier: z.unknown().optional() } satisfies Record<MeasureSettingsName, unknown>)
    .default({}),
  /**
   * Start from another run's parameters instead of a fresh initialization (Varma et al. 2023's ungrokking: a grokked
   * net trained further on a smaller training set). `step: null` = that run's last checkpoint. Parameters only:
   * optimizer state, schedule and step count start fresh.
   */
  init_from: z
    .strictObject({
      run: z.string().min(1, "must name a run directory"),
      step: z.number().int("must be an integer").min(0, "must be ≥ 0").nullable().default(null),
    })
    .nullable()
    .default(null),
  /** Accuracy threshold for memorize_step / grok_step. */
  acc_threshold: z.number().gt(0, "must be in (0, 1]").max(1, "must be in (0, 1]").default(0.99),
  /** auto (wasm on two threads), wasm, js (reference) or js64 (float64 training). */
  backend: z.enum(["auto", "wasm", "js", "js64"]).default("auto"),
  threads: z.number().int("must be an integer").min(1, "must be ≥ 1").max(64, "must be ≤ 64").default(2),
});

export interface RunConfig {
  readonly preset: string | null;
  readonly description: string | null;
  readonly seed: number;
  /** Present only when set: the seed of the task's draws in place of `seed`. */
  readonly data_seed?: number;
  readonly steps: number;
  readonly task: ResolvedTaskConfig;
  readonly model: ModelConfig;
  readonly loss: LossName;
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
  readonly grokfast: GrokfastConfig | null;
  readonly batch_size: number | null;
  readonly eval: Cadence;
  readonly checkpoint_every: number;
  readonly checkpoint_log_points: number | null;
  readonly measures: readonly string[];
  readonly measure_settings: MeasureSettings;
  /** Present only when set: the run directory (absolute) and checkpoint step whose parameters start this run. */
  readonly init_from?: InitFrom;
  readonly acc_threshold: number;
  readonly backend: "auto" | "wasm" | "js" | "js64";
  readonly threads: number;
}

export interface InitFrom {
  /** A run directory, resolved against the working directory when the spec is normalized. */
  readonly run: string;
  /** The checkpoint's step; null = the run's last checkpoint. */
  readonly step: number | null;
}

function wrap<T>(f: () => T, where?: string, value?: unknown): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SpecError) throw e;
    const msg = (e as Error).message;
    // `--set schedule.foo=1` on a spec without a schedule leaves {foo: 1}: name the key that was set, not the missing name
    const keys = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
    if (where !== undefined && keys.length > 0 && !keys.includes("name")) throw new SpecError(`${where}.${keys[0]}: set without ${where}.name (${msg})`);
    throw new SpecError(msg);
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Validates a loose spec and fills every default. Throws SpecError naming the key path. */
export function normalizeSpec(spec: unknown): RunConfig {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new SpecError("spec: must be an object");
  const top = TopLevelSchema.safeParse(spec);
  if (!top.success) throw new SpecError(describeIssue(top.error.issues[0]));
  const s = top.data;
  const config: RunConfig = {
    preset: s.preset ?? null,
    description: s.description ?? null,
    seed: s.seed,
    steps: s.steps,
    task: wrap(() => resolveTaskConfig(parseTaskConfig(s.task, "task")), "task", s.task),
    model: wrap(() => parseModelConfig(s.model, "model", process.cwd())),
    loss: s.loss,
    optimizer: wrap(() => parseOptimizerConfig(s.optimizer, "optimizer"), "optimizer", s.optimizer),
    schedule: wrap(() => parseScheduleConfig(s.schedule, "schedule"), "schedule", s.schedule),
    grokfast: s.grokfast === null ? null : wrap(() => parseGrokfastConfig(s.grokfast, "grokfast"), "grokfast", s.grokfast),
    batch_size: s.batch_size,
    eval: wrap(() => parseCadence(s.eval, "eval")),
    checkpoint_every: s.checkpoint_every,
    checkpoint_log_points: s.checkpoint_log_points,
    measures: wrap(() => (expandMeasureNames(s.measures), s.measures)),
    measure_settings: Object.fromEntries(
      Object.entries(s.measure_settings)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, wrap(() => MEASURE_SETTINGS[k as MeasureSettingsName](v, `measure_settings.${k}`))]),
    ),
    acc_threshold: s.acc_threshold,
    backend: s.backend,
    threads: s.threads,
    // absent rather than null when unset, so the specs of runs that do not use them are unchanged
    ...(s.data_seed === null ? {} : { data_seed: s.data_seed }),
    ...(s.init_from === null ? {} : { init_from: { run: isAbsolute(s.init_from.run) ? s.init_from.run : resolve(s.init_from.run), step: s.init_from.step } }),
  };
  checkSizeBounds(config);
  return deepFreeze(JSON.parse(JSON.stringify(config)) as RunConfig);
}
