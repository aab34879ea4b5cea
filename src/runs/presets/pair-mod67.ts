import type { Preset } from "./preset.js";

/** R5: PAIR's modular addition MLP ("Do machine learning models memorize or generalize?", the article's notebook). */
export const pairMod67: Preset = {
  describe: "(a+b) mod 67, symmetric pairs, 40% train, embedding 500 → shared hidden 24 → tied unembedding, AdamW wd 1: groks near step 28k (median over 450 seeds)",
  spec: {
    steps: 50000,
    task: { name: "modular", op: "add", p: 67, train_fraction: 0.4, symmetric: true }, // 911 of the 2,278 pairs a ≤ b
    model: { name: "embed_mlp", d_embed: 500, width: 24, activation: "relu", tied_unembed: true, embed_init: "variance_scaling" },
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 1e-3, betas: [0.9, 0.98], weight_decay: 1 },
    // The notebook logs every 1k steps and trains in float64 (backend js64: ~15× slower here); float32 is the default.
    eval: { every: 1000 },
    checkpoint_every: 5000,
    measures: ["weights/norm"],
  },
};
