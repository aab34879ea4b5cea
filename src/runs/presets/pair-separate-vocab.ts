import { pairMod67 } from "./pair-mod67.js";
import type { Preset } from "./preset.js";

/**
 * PAIR (Pearce, Ghandeharioun et al. 2023, "Do Machine Learning Models Memorize or Generalize?", Open Questions):
 * "some MLP variations without symmetric inputs learn less circular representations", citing Zhong, Liu, Tegmark &
 * Andreas (2023), "The Clock and the Pizza" (arXiv 2306.17844), whose variation is separate vocabularies: a and b are
 * embedded by different rows (b's token is p + b). Settings: R5's task and training (pair-mod67) on all ordered pairs
 * (a separate b-embedding has no mirror to share), embedding 32 instead of 500 (so it runs in minutes), an untied
 * unembedding (b's rows are no classes; Zhong et al.'s models unembed with their own W_U), 20k steps.
 * The shared-vocabulary control is the same spec with `--set task.separate_vocab=false`.
 *
 * Measured (docs/reproductions.md, "Separate vocabularies for a and b"): scored as Zhong et al.'s code scores it
 * (fourier/circularity_pca/joint) separate vocabularies halve the circularity, as in the paper, but a's and b's rows
 * are each as circular as a shared embedding (fourier/circularity 0.87–0.93 at train_fraction 0.8); at 40% two of
 * three seeds do not generalize within 20k steps.
 */
export const pairSeparateVocab: Preset = {
  describe: "PAIR's open question / Zhong et al.'s separate vocabularies: (a+b) mod 67 with b's token p + b, embedding 32, untied unembedding, 20k steps; compare fourier/circularity with task.separate_vocab=false",
  spec: {
    ...pairMod67.spec,
    steps: 20000,
    task: { name: "modular", op: "add", p: 67, train_fraction: 0.4, symmetric: false, separate_vocab: true }, // 1,795 of the 4,489 pairs
    model: { name: "embed_mlp", d_embed: 32, width: 24, activation: "relu", tied_unembed: false, embed_init: "variance_scaling" },
    eval: { every: 500 },
    checkpoint_every: 20000,
    measures: ["weights/norm", "fourier/circularity", "fourier/circularity_pca", "fourier/key_frequencies"],
  },
};
