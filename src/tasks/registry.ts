/**
 * The task registry: every task a spec can name. Each task's file exports its definition (task.ts: a one-line
 * `describe`, a strict zod `schema` whose `.default()`s make the parsed config the resolved one, and `build`:
 * `(config, key) → Dataset`); everything else is derived here from those: the name (the registry key), the keys a
 * config may hold, the defaults, whether an `op` is required, the config union schema and the config types.
 * Adding a task is one file (its definition) plus one line in TASK_DEFS.
 * Config keys are snake_case, as written in specs and `--set task.<key>=value`.
 */
import { z } from "zod";
import type { Dataset } from "./dataset.js";
import type { Key } from "../tensor/rng.js";
import type { TaskDef, TaskSchema } from "./task.js";
import { modularTask } from "./modular.js";
import { s5Task } from "./s5.js";
import { sparseParityTask } from "./sparse-parity.js";
import { mnistTask } from "./mnist.js";
import { compositionTask } from "./kg-composition.js";
import { comparisonTask } from "./kg-comparison.js";
import { mixtureTask, type MixtureTaskConfig } from "./mixture.js";
import { checkKnownKeys, taskError } from "./validate.js";
import { describeIssue } from "../util/zod-issue.js";

export { ModularTaskSchema } from "./modular.js";
export { S5TaskSchema } from "./s5.js";
export { SparseParityTaskSchema } from "./sparse-parity.js";
export type { CompositionTaskConfig } from "./kg-composition.js";
export type { ComparisonTaskConfig } from "./kg-comparison.js";
export type { MixtureTaskConfig };

/** One line per task: registry key → the definition its file exports. */
const TASK_DEFS = {
  modular: modularTask,
  s5: s5Task,
  sparse_parity: sparseParityTask,
  mnist: mnistTask,
  composition: compositionTask,
  comparison: comparisonTask,
  mixture: mixtureTask,
} as const;

type Defs = typeof TASK_DEFS;
export type TaskName = keyof Defs;
type SchemaOf<N extends TaskName> = Defs[N]["schema"];
/** A task's config as written in a spec: `name` (and `op` where the task has one) plus any subset of its keys. */
export type TaskConfigOf<N extends TaskName> = N extends "mixture" ? MixtureTaskConfig : Readonly<z.input<SchemaOf<N>>>;
export type TaskConfig = { [N in TaskName]: TaskConfigOf<N> }[TaskName];
export type ModularTaskConfig = TaskConfigOf<"modular">;
export type S5TaskConfig = TaskConfigOf<"s5">;
export type SparseParityTaskConfig = TaskConfigOf<"sparse_parity">;
/** A config with every optional key filled from the task's defaults (what a run records in its spec). */
export type ResolvedTaskConfig = { [N in TaskName]: Readonly<z.output<SchemaOf<N>>> }[TaskName];

// ---- registry ----
export interface TaskEntry<C extends TaskConfig = TaskConfig> extends Omit<TaskDef, "build"> {
  /** The task's name: its registry key and its config's `name`. */
  readonly name: C["name"];
  /** Values used for omitted keys (every key except `name` and `op`), from the schema's `.default()`s. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Every key the config may hold, in the schema's order. */
  readonly keys: readonly string[];
  /** Whether the config must name an operation (`op`, one of `ops`). */
  readonly needsOp: boolean;
  readonly build: (config: C, key: Key) => Dataset;
}

function entry(name: TaskName, def: TaskDef<TaskSchema>): TaskEntry {
  const shape = def.schema.shape;
  const defaults = Object.fromEntries(
    Object.entries(shape).flatMap(([k, field]) => (field instanceof z.ZodDefault ? [[k, field.def.defaultValue]] : [])),
  );
  const build = def.build as unknown as TaskEntry["build"];
  return { ...def, name, defaults: Object.freeze(defaults), keys: Object.keys(shape), needsOp: "op" in shape, build };
}

export const TASKS = Object.fromEntries(
  Object.entries(TASK_DEFS).map(([name, def]) => [name, entry(name as TaskName, def as unknown as TaskDef<TaskSchema>)]),
) as unknown as {
  readonly [N in TaskName]: TaskEntry<Extract<TaskConfig, { name: N }>> & { readonly defaults: Readonly<Omit<z.output<SchemaOf<N>>, "name" | "op">> };
};

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

/** Every task's config schema, discriminated by `name` (parsing fills the defaults). */
export const TaskConfigSchema = z.discriminatedUnion(
  "name",
  Object.values(TASK_DEFS).map((d) => d.schema) as unknown as [SchemaOf<TaskName>, ...SchemaOf<TaskName>[]],
);

function isTaskName(name: unknown): name is TaskName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(TASKS, name);
}

function checkName(config: unknown): TaskName {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new Error(`task: must be an object with a "name" (one of ${TASK_NAMES.join(", ")})`);
  }
  const name = (config as { name?: unknown }).name;
  if (!isTaskName(name)) throw taskError("name", `unknown task ${JSON.stringify(name)}; known: ${TASK_NAMES.join(", ")}`);
  return name;
}

/**
 * Validate a loose config (parsed JSON/YAML) against its task's schema and return it as written (without the
 * defaults: resolveTaskConfig fills them). Errors name the key as `<prefix>.<key>`, e.g. "task.p: must be a prime".
 */
export function parseTaskConfig(input: unknown, prefix = "task"): TaskConfig {
  const name = checkName(input);
  const result = TASKS[name].schema.safeParse(input);
  if (!result.success) {
    throw new Error(describeIssue(result.error.issues[0], prefix, TASKS[name].keys, `task "${name}"`));
  }
  return { ...(input as TaskConfig) };
}

/** The config with every omitted key set to its default (op stays required). Values are not validated here. */
export function resolveTaskConfig(config: TaskConfig): ResolvedTaskConfig {
  const name = checkName(config);
  checkKnownKeys(name, config, TASKS[name].keys);
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const op = "op" in config ? { op: config.op } : {};
  return Object.freeze({ name, ...op, ...TASKS[name].defaults, ...defined }) as ResolvedTaskConfig;
}

/** Build the dataset a config names, with all randomness (split, samples, label noise) drawn from `key`. */
export function buildTask(config: TaskConfig, key: Key): Dataset {
  const name = checkName(config);
  checkKnownKeys(name, config, TASKS[name].keys);
  const entry = TASKS[name];
  if (entry.needsOp && (config as { op?: unknown }).op === undefined) {
    throw taskError("op", `required for task "${name}"; one of ${Object.keys(entry.ops ?? {}).join(", ")}`);
  }
  // The entry's build is typed for its own config; `name` was checked to select it.
  return (entry.build as (c: ResolvedTaskConfig, k: Key) => Dataset)(resolveTaskConfig(config), key);
}
