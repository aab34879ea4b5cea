/**
 * A task as its file defines it: one line for listings, a strict zod schema of its config and a builder. The
 * registry (registry.ts) derives everything else from these: the task's name (its registry key), the list of keys
 * a config may hold, the defaults, whether an `op` key is required, and the config types.
 *
 * The schema is a `z.strictObject` with `name: z.literal(<registry key>)` and a `.default()` on every key except
 * `name` and `op`, so that parsing a config gives the resolved one (what a run records in its spec). Config keys are
 * snake_case, as written in specs and `--set task.<key>=value`.
 */
import { z } from "zod";
import type { Dataset } from "./dataset.js";
import type { Key } from "../tensor/rng.js";

/** The zod schema of a task config: a strict object, possibly refined. */
export type TaskSchema = z.ZodObject<z.ZodRawShape>;

export interface TaskDef<S extends TaskSchema = TaskSchema> {
  /** One line for `--help` and listings. */
  readonly describe: string;
  readonly schema: S;
  /** Operation name → formula, for tasks with an `op` key. */
  readonly ops?: Readonly<Record<string, string>>;
  /**
   * The dataset, all randomness (split, samples, label noise) drawn from `key`. It receives the config with its
   * defaults filled in but not validated by the schema: it checks its values itself, naming the key as `task.<key>`.
   */
  readonly build: (config: z.output<S>, key: Key) => Dataset;
}

/** Identity, to infer a task definition's schema type. */
export const defineTask = <S extends TaskSchema>(def: TaskDef<S>): TaskDef<S> => def;

/** Operation name → formula, from an operation table. */
export const formulas = (ops: Record<string, { formula: string }>): Record<string, string> =>
  Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, v.formula]));

// ---- schema pieces shared by several tasks ----
export const trainFraction = z.number().gt(0, "must be in (0, 1]").lte(1, "must be in (0, 1]");
export const labelNoise = z.number().gte(0, "must be in [0, 1)").lt(1, "must be in [0, 1)");
export const count = (max: number) => z.number().int("must be an integer").min(1).max(max);
export const notCommutative = "the operation is not commutative, so pairs x ≤ y do not cover the task; use symmetric: false";
