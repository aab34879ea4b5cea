/**
 * The training steps the bench times, built with the project's own trainer (model registry, loss, AdamW, trainStep),
 * exactly as a run would. Each factory is the one place to change what "a step" means.
 */
import { presetSpec } from "../src/runs/presets/index.js";
import { buildSetup } from "../src/runs/setup.js";
import { normalizeSpec } from "../src/runs/spec.js";
import type { Backend } from "../src/tensor/backend.js";
import { trainStep } from "../src/train/loop.js";
import { buildModel } from "../src/models/registry.js";

export interface StepBench {
  readonly label: string;
  step(): void;
}
export type StepFactory = (backend: Backend) => Promise<StepBench>;

/** One full-batch training step of a preset, exactly as `grokscope train <preset>` takes it, on the given backend. */
function presetStep(preset: string, label: string): StepFactory {
  return async (backend) => {
    const { setup, state } = await buildSetup(normalizeSpec(presetSpec(preset)), { backend });
    return { label, step: () => void trainStep(setup, state) };
  };
}

/** R1: gromov quadratic net, p = 97, N = 500, 50% of p² pairs (4,704 train rows), MSE, AdamW, full batch. */
export const gromovStep = presetStep("gromov", "gromov (trainer: forward, MSE, backward, AdamW)");

/** R3: sparse parity, 30 bits + bias input, 1,000 train rows, MLP 31→64 ReLU→2, CE, AdamW, full batch. */
export const sparseParityStep = presetStep("sparse-parity", "sparse parity (trainer: forward, CE, backward, AdamW)");

/** R7 small: nanda-small, a 1-layer transformer (d_model 32, 4 heads, d_mlp 128) on (a+b) mod 59, 1,218 train rows. */
export const nandaSmallStep = presetStep("nanda-small", "nanda-small transformer (trainer: forward, CE, backward, AdamW)");

/** R7: Nanda et al.'s transformer (d_model 128, 4 heads, d_mlp 512) on (a+b) mod 113, 3,830 train rows. */
export const nandaStep = presetStep("nanda", "nanda transformer (trainer: forward, CE, backward, AdamW)");

/**
 * R1's step with the gromov net built on autograd (its forward-only definition) instead of the hand-fused kernels the
 * trainer uses: the bench's evidence for keeping the fused path.
 */
export const gromovAutogradStep: StepFactory = async (backend) => {
  const config = normalizeSpec(presetSpec("gromov"));
  const { setup, state } = await buildSetup(config, { backend });
  const autograd = { ...setup, model: buildModel(config.model, setup.data, backend, { autograd: true }) };
  return { label: "gromov on autograd (not the trainer's fused path)", step: () => void trainStep(autograd, state) };
};
