import { expandMeasureNames } from "../../measures/registry.js";
import type { RunConfig } from "../../runs/spec.js";

/** Measures that a run feeds from inside every training step (run.ts attaches their trackers); a batch cannot. */
const STEP_TRACKED = new Set(["surfing"]);

/**
 * Which configs the batched trainer takes: the fused wasm tasks (src/tensor/wasm/binary-mlp.ts) train an MLP with one
 * ReLU hidden layer on 0/1 inputs (sparse parity) with the cross-entropy loss, full batch, with Adam, AdamW or SGD under
 * any schedule. They reproduce the wasm backend's arithmetic, so the run must be one the wasm backend would train.
 * Returns why a config cannot be batched, or null when it can.
 */
export function notBatchable(config: RunConfig): string | null {
  if (config.backend !== "wasm" && config.backend !== "auto") return `backend "${config.backend}" (batched training reproduces the wasm backend)`;
  if (config.task.name !== "sparse_parity") return `task "${config.task.name}" (the batched kernels need 0/1 inputs: sparse_parity)`;
  const m = config.model;
  if (m.name !== "mlp") return `model "${m.name}" (batched: mlp only)`;
  if (m.depth !== 1) return `model.depth ${m.depth} (batched: one hidden layer)`;
  if (m.activation !== "relu") return `model.activation "${m.activation}" (batched: relu)`;
  // Below 5 hidden units the backend's gemm takes its thin-shape paths, which sum in another order.
  if (m.width < 5) return `model.width ${m.width} (batched: at least 5)`;
  if (m.dropout > 0) return `model.dropout ${m.dropout} (batched: no dropout)`;
  if (config.loss !== "cross_entropy") return `loss "${config.loss}" (batched: cross_entropy)`;
  if (config.batch_size !== null) return "batch_size (batched: full batch only)";
  if (config.grokfast !== null) return "grokfast (batched: no gradient filter)";
  if (config.optimizer.orthogonal) return "optimizer.orthogonal (batched: no ⊥Grad)";
  if ("flush_below" in config.optimizer && config.optimizer.flush_below) return "optimizer.flush_below (batched: no flush)";
  const tracked = expandMeasureNames(config.measures).filter((name) => STEP_TRACKED.has(name));
  if (tracked.length > 0) return `measure "${tracked[0]}" (it is tracked inside every training step)`;
  return null;
}

/**
 * Configs with equal keys can train together in one batch; null = this config cannot be batched (train it alone).
 * Everything else may differ within a batch (seed, task sizes, width, bias, optimizer, schedule, measures);
 * the key holds the run length, so a batch's models finish together.
 */
export function batchKey(config: RunConfig): string | null {
  return notBatchable(config) === null ? `binary-mlp/steps=${config.steps}` : null;
}

/**
 * A batchable config's share of its batch's work, in arbitrary units: steps × n_train × width, which a step's work
 * grows with (the evaluations add a few percent), so batches dealt to workers by this sum finish together.
 */
export function batchCost(config: RunConfig): number {
  const t = config.task, m = config.model;
  const rows = t.name === "sparse_parity" ? t.n_train : 1;
  const width = m.name === "mlp" ? m.width : 1;
  return config.steps * rows * width;
}
