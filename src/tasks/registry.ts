/**
 * The task registry: every task a spec can name, its defaults, a zod schema for its config, and a builder
 * `(config, key) → Dataset`. Config keys are snake_case, as written in specs and `--set task.<key>=value`.
 * Adding a task is one file plus one entry here.
 */
import { z } from "zod";
import type { Dataset } from "./dataset.js";
import type { Key } from "../tensor/rng.js";
import { MAX_MODULUS, modularDataset } from "./modular.js";
import { MODULAR_OPS, MODULAR_OP_NAMES, type ModularOpName } from "./modular-ops.js";
import { isPrime } from "./number-theory.js";
import { S5_OPS, S5_OP_NAMES, s5Dataset, type S5OpName } from "./s5.js";
import { MAX_BITS, MAX_EXAMPLES, SPARSE_PARITY_DEFAULTS, sparseParityDataset } from "./sparse-parity.js";
import { checkKnownKeys, taskError } from "./validate.js";
import { COMPOSITION_DEFAULTS, CompositionTaskSchema, compositionDataset, type CompositionTaskConfig } from "./kg-composition.js";
import { COMPARISON_DEFAULTS, ComparisonTaskSchema, comparisonDataset, type ComparisonTaskConfig } from "./kg-comparison.js";
import { MIXTURE_DEFAULTS, MixtureTaskSchema, mixtureDataset, mixtureOptions, type MixtureTaskConfig } from "./mixture.js";
import { describeIssue } from "../util/zod-issue.js";

export interface ModularTaskConfig {
  readonly name: "modular";
  readonly op: ModularOpName;
  readonly p?: number;
  readonly train_fraction?: number;
  readonly symmetric?: boolean;
  readonly label_noise?: number;
}

export interface S5TaskConfig {
  readonly name: "s5";
  readonly op: S5OpName;
  readonly train_fraction?: number;
  readonly symmetric?: boolean;
  readonly label_noise?: number;
}

export interface SparseParityTaskConfig {
  readonly name: "sparse_parity";
  readonly n_bits?: number;
  readonly k_relevant?: number;
  readonly n_train?: number;
  readonly n_test?: number;
  readonly bias?: boolean;
  readonly label_noise?: number;
}

export type { CompositionTaskConfig, ComparisonTaskConfig, MixtureTaskConfig };
export type TaskConfig = ModularTaskConfig | S5TaskConfig | SparseParityTaskConfig | CompositionTaskConfig | ComparisonTaskConfig | MixtureTaskConfig;
export type TaskName = TaskConfig["name"];
/** A config with every optional key filled from the task's defaults (what a run records in its spec). */
export type ResolvedTaskConfig = { [C in TaskConfig as C["name"]]: Readonly<Required<C>> }[TaskName];

// ---- zod schemas (strict: unknown keys are errors) ----
const trainFraction = z.number().gt(0, "must be in (0, 1]").lte(1, "must be in (0, 1]");
const labelNoise = z.number().gte(0, "must be in [0, 1)").lt(1, "must be in [0, 1)");
const count = (max: number) => z.number().int("must be an integer").min(1).max(max);

const notCommutative = "the operation is not commutative, so pairs x ≤ y do not cover the task; use symmetric: false";

export const ModularTaskSchema = z
  .strictObject({
    name: z.literal("modular"),
    op: z.enum(MODULAR_OP_NAMES),
    p: z.number().int("must be an integer").min(2).max(MAX_MODULUS).refine(isPrime, "must be a prime").optional(),
    train_fraction: trainFraction.optional(),
    symmetric: z.boolean().optional(),
    label_noise: labelNoise.optional(),
  })
  .refine((c) => !c.symmetric || MODULAR_OPS[c.op].commutative, { path: ["symmetric"], message: notCommutative });

export const S5TaskSchema = z
  .strictObject({
    name: z.literal("s5"),
    op: z.enum(S5_OP_NAMES),
    train_fraction: trainFraction.optional(),
    symmetric: z.boolean().optional(),
    label_noise: labelNoise.optional(),
  })
  .refine((c) => !c.symmetric, { path: ["symmetric"], message: `${notCommutative} (S5 is not abelian)` });

export const SparseParityTaskSchema = z.strictObject({
  name: z.literal("sparse_parity"),
  n_bits: count(MAX_BITS).optional(),
  k_relevant: count(MAX_BITS).optional(),
  n_train: count(MAX_EXAMPLES).optional(),
  n_test: count(MAX_EXAMPLES).optional(),
  bias: z.boolean().optional(),
  label_noise: labelNoise.optional(),
}).refine((c) => (c.k_relevant ?? SPARSE_PARITY_DEFAULTS.kRelevant) <= (c.n_bits ?? SPARSE_PARITY_DEFAULTS.nBits), {
  path: ["k_relevant"],
  message: "must not exceed n_bits",
});

export const TaskConfigSchema = z.discriminatedUnion("name", [
  ModularTaskSchema,
  S5TaskSchema,
  SparseParityTaskSchema,
  CompositionTaskSchema,
  ComparisonTaskSchema,
  MixtureTaskSchema,
]);

// ---- registry ----
export interface TaskEntry<C extends TaskConfig> {
  /** One line for `--help` and listings. */
  readonly describe: string;
  /** Values used for omitted keys (every key except `name` and `op`). */
  readonly defaults: Readonly<Omit<Required<C>, "name" | "op">>;
  /** Operation name → formula, for tasks with an `op` key. */
  readonly ops?: Readonly<Record<string, string>>;
  /** Every key the config may hold. */
  readonly keys: readonly string[];
  readonly schema: z.ZodType;
  readonly build: (config: C, key: Key) => Dataset;
}

const formulas = (ops: Record<string, { formula: string }>) =>
  Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, v.formula]));

export const TASKS: { readonly [N in TaskName]: TaskEntry<Extract<TaskConfig, { name: N }>> } = {
  modular: {
    describe: "x ∘ y mod a prime p for the operations of Power et al. (2022); tokens [x, y], label x ∘ y",
    // p = 97 and half the table for training, as in Power et al.'s headline runs.
    defaults: { p: 97, train_fraction: 0.5, symmetric: false, label_noise: 0 },
    ops: formulas(MODULAR_OPS),
    keys: ["name", "op", "p", "train_fraction", "symmetric", "label_noise"],
    schema: ModularTaskSchema,
    build: (c, key) => {
      const d = TASKS.modular.defaults;
      const options = {
        op: c.op,
        p: c.p ?? d.p,
        trainFraction: c.train_fraction ?? d.train_fraction,
        symmetric: c.symmetric ?? d.symmetric,
        labelNoise: c.label_noise ?? d.label_noise,
      };
      return modularDataset(options, key);
    },
  },
  s5: {
    describe: "x ∘ y over the permutation group S5 (120 elements) for the operations of Power et al. (2022)",
    defaults: { train_fraction: 0.5, symmetric: false, label_noise: 0 },
    ops: formulas(S5_OPS),
    keys: ["name", "op", "train_fraction", "symmetric", "label_noise"],
    schema: S5TaskSchema,
    build: (c, key) => {
      const d = TASKS.s5.defaults;
      const options = {
        op: c.op,
        trainFraction: c.train_fraction ?? d.train_fraction,
        symmetric: c.symmetric ?? d.symmetric,
        labelNoise: c.label_noise ?? d.label_noise,
      };
      return s5Dataset(options, key);
    },
  },
  sparse_parity: {
    describe: "parity of the first k of n random bits (Barak et al. 2022; PAIR), fixed train and test samples",
    // n = 30, k = 3, 1,000 train / 5,000 test: PAIR's sparse-parity setup.
    defaults: {
      n_bits: SPARSE_PARITY_DEFAULTS.nBits,
      k_relevant: SPARSE_PARITY_DEFAULTS.kRelevant,
      n_train: SPARSE_PARITY_DEFAULTS.nTrain,
      n_test: SPARSE_PARITY_DEFAULTS.nTest,
      bias: SPARSE_PARITY_DEFAULTS.bias,
      label_noise: SPARSE_PARITY_DEFAULTS.labelNoise,
    },
    keys: ["name", "n_bits", "k_relevant", "n_train", "n_test", "bias", "label_noise"],
    schema: SparseParityTaskSchema,
    build: (c, key) =>
      sparseParityDataset(
        { nBits: c.n_bits, kRelevant: c.k_relevant, nTrain: c.n_train, nTest: c.n_test, bias: c.bias, labelNoise: c.label_noise },
        key,
      ),
  },
  composition: {
    describe: "two-hop composition (h, r1, r2) → t on a random knowledge graph, with ID and OOD tests (Wang et al. 2024)",
    defaults: COMPOSITION_DEFAULTS,
    keys: ["name", "entities", "relations", "out_degree", "phi", "ood_fraction", "test_size"],
    schema: CompositionTaskSchema,
    build: (c, key) => compositionDataset(c, key),
  },
  comparison: {
    describe: "attribute comparison (a, e1, e2) → <, =, > from atomic facts (a, e) → value, with ID and OOD tests (Wang et al. 2024)",
    defaults: COMPARISON_DEFAULTS,
    keys: ["name", "entities", "attributes", "values", "phi", "ood_fraction", "test_size"],
    schema: ComparisonTaskSchema,
    build: (c, key) => comparisonDataset(c, key),
  },
  mixture: {
    describe: "several modular operations mod p in one model, input [op, x, y], each domain its own split and metrics (domain/<op>/…)",
    defaults: MIXTURE_DEFAULTS,
    keys: ["name", "p", "train_fraction", "domains"],
    schema: MixtureTaskSchema,
    build: (c, key) => mixtureDataset(mixtureOptions(c), key),
  },
};

/** Tasks that need an `op` key. */
const TASKS_WITH_OP: ReadonlySet<TaskName> = new Set(["modular", "s5"]);

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

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
 * Validate a loose config (parsed JSON/YAML) against its task's schema. Errors name the key as `<prefix>.<key>`,
 * e.g. "task.p: must be a prime".
 */
export function parseTaskConfig(input: unknown, prefix = "task"): TaskConfig {
  const name = checkName(input);
  const result = TASKS[name].schema.safeParse(input);
  if (!result.success) {
    throw new Error(describeIssue(result.error.issues[0], prefix, TASKS[name].keys, `task "${name}"`));
  }
  return result.data as TaskConfig;
}

/** The config with every omitted key set to its default (op stays required). */
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
  if (TASKS_WITH_OP.has(name) && (config as { op?: unknown }).op === undefined) {
    throw taskError("op", `required for task "${name}"; one of ${Object.keys(TASKS[name].ops ?? {}).join(", ")}`);
  }
  // The entry's build is typed for its own config; `name` was checked to select it.
  return (TASKS[name].build as (c: TaskConfig, k: Key) => Dataset)(config, key);
}
