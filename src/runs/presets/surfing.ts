import type { Preset } from "./preset.js";

/**
 * "Surfing" (docs/measures/surfing.md): the R1 quadratic net W·(U e_a + V e_b)² with MSE, trained by full-batch
 * gradient descent with momentum, with and without weight decay. Plain gradient descent is used on purpose: Adam's
 * normalized steps keep a run moving at ~lr per coordinate even when the loss gradient vanishes, which hides the
 * difference the pair is about. p = 31 and N = 200 keep the pair at a few seconds each.
 */
const base = {
  steps: 3000,
  task: { name: "modular", op: "add", p: 31, train_fraction: 0.5 }, // 480 training pairs
  model: { name: "gromov", width: 200, init_scale: 1 },
  loss: "mse", // MSE to one-hot targets, as R1
  eval: { every: 50 },
  checkpoint_every: 1000,
  measures: ["weights/norm", "surfing"],
  // the MSE loss crosses 1e-3 right after fitting (steps ~280–490) and falls to ~1e-4 (with wd) or a few 1e-6 (without)
  measure_settings: { surfing: { epsilon: 1e-3 } },
} as const;

/** With weight decay: fits by step ~300, then travels along the near-zero-loss set (≈99% orthogonal to ∇L) and groks. */
export const surfingWd: Preset = {
  describe: "quadratic net on (a+b) mod 31, full-batch SGD + momentum, wd 3e-5: fits, then surfs the near-zero-loss set (path ≈ 30, 99% ⊥ ∇L, norm −5.6) and groks by ~1,000",
  spec: {
    ...base,
    // wd·lr·1/(1−μ) = 3e-3 of the weights per step; 1e-4 already stops the loss above ε, 3e-4 collapses the weights to 0
    optimizer: { name: "sgd", lr: 10, momentum: 0.9, weight_decay: 3e-5 },
  },
};

/** Without weight decay: fits and then barely moves, along the loss gradient, and never generalizes. */
export const surfingNowd: Preset = {
  describe: "the same run without weight decay: fits, then creeps down the loss gradient (path ≈ 9, <1% ⊥ ∇L, norm grows) and stays at chance on test",
  spec: {
    ...base,
    optimizer: { name: "sgd", lr: 10, momentum: 0.9, weight_decay: 0 },
  },
};
