import { pairMod67 } from "./pair-mod67.js";
import type { Preset } from "./preset.js";

/**
 * PAIR (Pearce, Ghandeharioun et al. 2023, "Do Machine Learning Models Memorize or Generalize?", Open Questions):
 * "reverse grokking with a small model". Without weight decay a small embedding MLP starts to generalize, then switches
 * to memorizing (its embedding stays periodic); the article plots the losses and notes that a memorizing model can
 * keep lowering its loss with larger weights when nothing decays them. Settings: the notebook's "Reverse grokking"
 * hyper-parameters — R5's model and data (pair-mod67) with embedding 5, hidden 10, no weight decay, 20k steps.
 *
 * Measured (docs/reproductions.md, "PAIR open questions"; seeds 1–7): test accuracy peaks at 80–96% at steps 3.5k–6k,
 * while the training set is still being fit, then falls by 1–10 points once train accuracy is 100%; the test loss
 * rises 3–13× from its minimum by step 20k; the embedding stays on one or two circles (fourier/circularity 0.90–0.97
 * at 20k). Seed 5 never fits its training set (97.5% at 20k; test accuracy peaks at 68%).
 */
export const pairNoWd: Preset = {
  describe: "PAIR's reverse grokking: (a+b) mod 67, embedding 5 → hidden 10, no weight decay: test accuracy peaks (80–96%) then falls 1–10 points while train stays 100%; test loss rises 3–13×",
  spec: {
    ...pairMod67.spec,
    steps: 20000, // the notebook's max_steps
    model: { name: "embed_mlp", d_embed: 5, width: 10, activation: "relu", tied_unembed: true, embed_init: "variance_scaling" },
    optimizer: { name: "adamw", lr: 1e-3, betas: [0.9, 0.98], weight_decay: 0 }, // optax.adamw with weight_decay 0: plain Adam
    eval: { every: 250 }, // the peak comes at steps 3.5k–6k; the notebook logs every max_steps/500 = 40
    checkpoint_every: 5000,
    measures: ["weights/norm", "fourier/circularity", "fourier/key_frequencies"],
  },
};

/**
 * pair-no-wd stopped at 10k steps, for the test suite (~20 s per seed): the peak (steps 3.5k–6k) and most of the fall
 * are in the first 10k steps (seeds 1, 3, 6: test accuracy down 5.6–6.5 points, test loss up 4–12× by step 10k).
 */
export const pairNoWdSmall: Preset = {
  describe: "pair-no-wd stopped at step 10k (the test suite's length): the same peak, then most of the fall",
  spec: { ...pairNoWd.spec, steps: 10000, checkpoint_every: 10000 },
};
