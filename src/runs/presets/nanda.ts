import type { Preset } from "./preset.js";

/** Nanda et al. (2023)'s progress measures, recorded at every evaluation of both transformer presets. */
const PROGRESS_MEASURES = [
  "weights/norm",
  "fourier/key_frequencies",
  "fourier/gini",
  "fourier/restricted_loss",
  "fourier/excluded_loss",
  "attention/operands",
];

/**
 * R7: Nanda et al. (2023), "Progress measures for grokking via mechanistic interpretability" — the 1-layer
 * transformer of their main runs: (a + b) mod 113 as [a, b, =], 30% of the pairs for training, d_model 128, 4 heads
 * of 32, d_mlp 512, ReLU, no LayerNorm, untied embedding and unembedding, full batch, AdamW lr 1e-3, β (0.9, 0.98),
 * wd 1, 10 warm-up steps, 40k epochs. Paper: test loss falls below 1 near epoch 13.8k, 5 key frequencies.
 * GPU-scale for this engine (about a second per step on 2 cores): see nanda-small for the CPU-sized run.
 */
export const nanda: Preset = {
  describe: "Nanda et al.'s 1-layer transformer on (a+b) mod 113, 30% train, AdamW wd 1: groks near epoch 14k (GPU-scale here; see nanda-small)",
  spec: {
    steps: 40000,
    task: { name: "modular", op: "add", p: 113, train_fraction: 0.3 },
    model: { name: "transformer", layers: 1, d_model: 128, heads: 4, d_mlp: 512, layer_norm: false, eq_token: true },
    loss: "cross_entropy", // the paper's code takes log_softmax in float64
    optimizer: { name: "adamw", lr: 1e-3, betas: [0.9, 0.98], weight_decay: 1 },
    schedule: { name: "linear_warmup", warmup_steps: 10 },
    eval: { every: 100 },
    checkpoint_every: 1000,
    measures: PROGRESS_MEASURES,
  },
};

/**
 * nanda-small: the same recipe scaled to grok in CI time on a 2-core CPU — p 59, 35% train (1,218 of 3,481 pairs),
 * d_model 32, 4 heads of 8, d_mlp 128, lr 1e-2 (wd 1, betas and "=" token as Nanda et al.). Memorizes by step ~90,
 * test accuracy sits at 20–40% for hundreds of steps, then groks (seeds 1–6: test ≥ 95% at steps 475–1,225).
 * Once the training loss is ~1e-4, some seeds have short loss spikes (training accuracy down to 60–90% for 10–25
 * steps, every 300–800 steps; seeds 1 and 2 are inside one at step 3,000 and back by 3,025). They are AdamW's at
 * this lr, not the engine's: PyTorch from the same initialization and split spikes on the same seeds, and from the
 * state just before one of ours at the same step (docs/reproductions.md R7).
 */
export const nandaSmall: Preset = {
  describe: "1-layer transformer (d_model 32) on (a+b) mod 59, 35% train, AdamW lr 1e-2 wd 1: memorizes by step ~100, groks by ~500–1,300; short loss spikes after grokking on some seeds",
  spec: {
    steps: 3000,
    task: { name: "modular", op: "add", p: 59, train_fraction: 0.35 },
    model: { name: "transformer", layers: 1, d_model: 32, heads: 4, d_mlp: 128, layer_norm: false, eq_token: true },
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 1 },
    eval: { every: 50 },
    checkpoint_every: 500,
    measures: PROGRESS_MEASURES,
  },
};
