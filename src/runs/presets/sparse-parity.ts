import type { Preset } from "./preset.js";

/** R3: PAIR's "Do machine learning models memorize or generalize?" sparse parity run. */
export const sparseParity: Preset = {
  describe: "parity of 3 of 30 bits, MLP 31→64→2, 1,000 train examples, AdamW wd 0.1: memorizes by ~400, groks at ~5–7k",
  spec: {
    steps: 20000,
    task: { name: "sparse_parity", n_bits: 30, k_relevant: 3, n_train: 1000, n_test: 5000, bias: true }, // 30 bits + a constant bias input
    model: { name: "mlp", depth: 1, width: 64, activation: "relu", bias: true, init_scale: 1 }, // nn.Linear defaults
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 3e-3, betas: [0.99, 0.98], weight_decay: 0.1 }, // wd 0.01 memorizes instead
    eval: { every: 100, log_points: 40 },
    // a checkpoint is 27 kB (60 of them, 1.6 MB): 1,000-step spacing through grokking (~5–7k), log-spaced through
    // memorization (~400)
    checkpoint_every: 1000,
    checkpoint_log_points: 40,
    measures: ["weights/norm"],
  },
};
