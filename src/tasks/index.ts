/** Public API of the tasks layer: datasets for grokking experiments and the registry that names them. */
export type { Dataset, DenseDataset, DenseSplit, Split, TokenDataset, TokenSplit } from "./dataset.js";
export { isPrime, mod, modInverse } from "./number-theory.js";
export { MODULAR_OPS, MODULAR_OP_NAMES, isModularOpName, type ModularOp, type ModularOpName } from "./modular-ops.js";
export { MAX_MODULUS, modularDataset, modularTable, type ModularOptions } from "./modular.js";
export {
  factorial,
  lexicographicPermutations,
  permutationRank,
  symmetricGroup,
  type PermutationGroup,
} from "./permutations.js";
export {
  S5_OPS,
  S5_OP_NAMES,
  groupTable,
  isS5OpName,
  s5Dataset,
  s5Group,
  type GroupOp,
  type S5OpName,
  type S5Options,
} from "./s5.js";
export {
  SPARSE_PARITY_DEFAULTS,
  sparseParityDataset,
  sparseParitySplit,
  type SparseParityOptions,
} from "./sparse-parity.js";
export { splitTable } from "./split.js";
export { withLabelNoise } from "./label-noise.js";
export {
  ModularTaskSchema,
  S5TaskSchema,
  SparseParityTaskSchema,
  TASKS,
  TASK_NAMES,
  TaskConfigSchema,
  buildTask,
  parseTaskConfig,
  resolveTaskConfig,
  type ModularTaskConfig,
  type ResolvedTaskConfig,
  type S5TaskConfig,
  type SparseParityTaskConfig,
  type TaskConfig,
  type TaskEntry,
  type TaskName,
} from "./registry.js";
export { defineTask, type TaskDef } from "./task.js";
export { COMPOSITION_DEFAULTS, CompositionTaskSchema, compositionDataset, type CompositionOptions } from "./kg-composition.js";
export { COMPARISON_DEFAULTS, ComparisonTaskSchema, comparisonDataset, type ComparisonOptions } from "./kg-comparison.js";
export { MIXTURE_DEFAULTS, MixtureTaskSchema, mixtureDataset, mixtureOptions, type MixtureOptions } from "./mixture.js";
export type { CompositionTaskConfig, ComparisonTaskConfig, MixtureTaskConfig } from "./registry.js";
