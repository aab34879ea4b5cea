import type { Preset } from "./preset.js";

/** The 2-layer transformer of the Wang et al. presets (the paper: GPT-2-style, 8 layers, d 768; CPU size here). */
const WANG_MODEL = { name: "transformer", layers: 2, d_model: 64, heads: 4, d_mlp: 256, layer_norm: false, eq_token: false } as const;

/**
 * Wang et al. (2024), "Grokked transformers are implicit reasoners": two-hop composition on a random knowledge
 * graph (task defaults: 60 entities, 20 relations, out-degree 15, φ 12, 10% OOD atomic facts). The paper's result:
 * composition generalizes in distribution (after long training) but stays at chance out of distribution.
 */
export const wangComposition: Preset = {
  describe: "two-hop composition on a knowledge graph (Wang et al. 2024), 2-layer transformer: ID test rises slowly, OOD stays at chance",
  spec: {
    steps: 3000,
    task: { name: "composition" },
    model: WANG_MODEL,
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 1 },
    batch_size: 512,
    eval: { every: 100 },
    checkpoint_every: 500,
    measures: ["weights/norm"],
  },
};

/**
 * Wang et al. (2024): attribute comparison (task defaults: 50 entities, 10 attributes, 10 values, φ 8, 20% OOD
 * entities per attribute). The paper's result: comparison generalizes both in and out of distribution.
 */
export const wangComparison: Preset = {
  describe: "attribute comparison on a knowledge graph (Wang et al. 2024), 2-layer transformer: ID and OOD tests both high",
  spec: {
    steps: 1000,
    task: { name: "comparison" },
    model: WANG_MODEL,
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 3e-3, betas: [0.9, 0.98], weight_decay: 1 },
    batch_size: 512,
    eval: { every: 50 },
    checkpoint_every: 500,
    measures: ["weights/norm"],
  },
};

/**
 * Asynchronous per-domain generalization: x + y and x − y mod 31 in one 1-layer transformer (nanda-small's recipe),
 * with different training shares (70% and 40%). Both domains are memorized within ~300 steps; their test accuracies
 * then rise at different times, and go on rising long after the pooled training loss has converged. At this size
 * neither domain reaches 95% within 3,000 steps (seed 1: add 0.91, sub 0.83 at the end), so the per-domain steps in
 * `split_steps` use an 80% threshold (`acc_threshold`); raise `steps` for the full climb.
 */
export const mixtureAsync: Preset = {
  describe: "x+y and x−y mod 31 in one transformer (70% / 40% train): both memorized early, the domains generalize at different times",
  spec: {
    steps: 3000,
    task: { name: "mixture", p: 31, domains: [{ op: "add", train_fraction: 0.7 }, { op: "sub", train_fraction: 0.4 }] },
    model: { name: "transformer", layers: 1, d_model: 32, heads: 4, d_mlp: 128, layer_norm: false, eq_token: true },
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 1 },
    eval: { every: 50 },
    checkpoint_every: 500,
    acc_threshold: 0.8, // memorize / generalize steps per domain (see above)
    measures: ["weights/norm", "fourier/gini", "fourier/restricted_loss_domains"], // the last: a test-free indicator per domain
  },
};
