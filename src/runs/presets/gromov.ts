import type { Preset } from "./preset.js";

/** R1: Gromov (2023) / Doshi et al. (2024) quadratic network on (a + b) mod 97 — the canonical fast grokking run. */
export const gromov: Preset = {
  describe: "quadratic net W·(U e_a + V e_b)² on (a+b) mod 97, MSE, AdamW wd 5: memorizes near step 75, groks near step 85",
  spec: {
    steps: 600, // R1 reads IPR at steps 100, 150 and 600; grokking is over by ~90
    task: { name: "modular", op: "add", p: 97, train_fraction: 0.5 },
    model: { name: "gromov", width: 500, init_scale: 1 },
    loss: "mse", // MSE to one-hot targets, as in Gromov's paper and the PyTorch reference
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 5 },
    eval: { every: 10 }, // the reference evaluates test accuracy every 10 steps
    checkpoint_every: 100,
    // with step 0, 38 checkpoints (about 66 MB): 50, 60, 72, 86, 100 span memorization (~75) and grokking (~85)
    checkpoint_log_points: 32,
    measures: ["weights/norm", "fourier/ipr"],
  },
};
