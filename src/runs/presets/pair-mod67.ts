import type { Preset } from "./preset.js";

/** R5: PAIR's modular addition MLP ("Do machine learning models memorize or generalize?", the article's notebook). */
export const pairMod67: Preset = {
  describe: "(a+b) mod 67, symmetric pairs, 40% train, embedding 500 → shared hidden 24 → tied unembedding, AdamW wd 1: groks near step 28k (median over 450 seeds)",
  spec: {
    steps: 50000,
    task: { name: "modular", op: "add", p: 67, train_fraction: 0.4, symmetric: true }, // 911 of the 2,278 pairs a ≤ b
    // Haiku draws every weight from a ±2σ truncated normal (VarianceScaling for the embedding, Linear's default for the MLP)
    model: { name: "embed_mlp", d_embed: 500, width: 24, activation: "relu", tied_unembed: true, embed_init: "variance_scaling", init_draw: "truncated_normal" },
    // The notebook's loss is -mean(onehot * log_softmax) over all 911·67 entries: cross-entropy / 67. Under AdamW the
    // scale is not cosmetic once the training set is fit (gradients then sit near Adam's ε = 1e-8); see the README's R5.
    loss: "cross_entropy_per_entry",
    optimizer: { name: "adamw", lr: 1e-3, betas: [0.9, 0.98], weight_decay: 1 },
    // The notebook logs every 1k steps; its R5 grok step is the first logged step with test loss < 1e-3 in these units.
    // It runs JAX in x64 mode; float32 here (`--set backend=js64` trains in float64, ~15× slower).
    eval: { every: 1000 },
    checkpoint_every: 5000,
    measures: ["weights/norm"],
  },
};
