/** Batched multi-model training for sweeps: which configs batch together, and training them side by side. */
export { batchCost, batchKey, notBatchable } from "./key.js";
export { trainBatched, WAVE, type BatchCheckpoints, type BatchedOptions, type BatchedRunOutput } from "./trainer.js";
