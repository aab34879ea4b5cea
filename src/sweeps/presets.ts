/** Sweep presets: sweep specs found by name (`grokscope sweep <name>`), each value saying why. */
import { SpecError } from "../runs/spec.js";

export interface SweepPreset {
  readonly describe: string;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** PAIR's sparse-parity grid (the article's data): weight decay × hidden width × training-set size, 9 seeds, its rule. */
const PAIR_GRID = {
  base: "sparse-parity",
  axes: {
    "optimizer.weight_decay": [0.01, 0.03, 0.1, 0.3, 1],
    "model.width": [16, 32, 64, 128, 258], // 258 as in the article's data
    "task.n_train": [750, 1000, 1250, 1500, 1750],
  },
  seeds: 9,
  classify: { pair: { train_loss: 1e-5, test_loss: 1e-5, ratio: 5e4 } }, // the article's thresholds
};

// The gromov-based sweeps keep their few checkpoints (no log-spaced ones): dozens of runs × 1.7 MB per checkpoint.
export const SWEEP_PRESETS: Readonly<Record<string, SweepPreset>> = {
  "pair-sparse-parity": {
    describe: "R9: PAIR's sparse-parity grid with its model's single output logit, weight decay × hidden width × train size × 9 seeds (1,125 runs of 20k steps)",
    spec: {
      name: "pair-sparse-parity",
      ...PAIR_GRID,
      // PAIR's model: one output column (so the loss is the sigmoid's binary cross-entropy) and no bias parameters —
      // the inputs' constant 31st bit gives the hidden layer its bias; hk.Linear's init (the article's code is JAX)
      spec: { model: { name: "mlp", single_logit: true, bias: false, init: "haiku" } },
    },
  },
  "pair-sparse-parity-two-logit": {
    describe: "R9 as first measured: PAIR's grid on R3's model (two output logits, nn.Linear's biases and init); wd 1 fits at hidden 64",
    spec: { name: "pair-sparse-parity-two-logit", ...PAIR_GRID },
  },
  "routes-sparse-parity": {
    describe: "routes to generalization on R3's sparse parity, side by side: nothing, weight decay, dropout, a smaller model, an unstable optimizer; 3 seeds × 10k steps",
    spec: {
      name: "routes-sparse-parity",
      base: "sparse-parity", // R3: AdamW lr 3e-3 wd 0.1, MLP 31→64→2, 1,000 training examples; groks at ~5–7k
      spec: { steps: 10000, measures: ["weights/norm"] },
      variants: {
        none: { "optimizer.weight_decay": 0 }, // no route: what the network does on its own
        "weight-decay": { "optimizer.weight_decay": 0.1 }, // R3's route
        dropout: { "optimizer.weight_decay": 0, "model.dropout": 0.3 },
        "small-model": { "optimizer.weight_decay": 0, "model.width": 8 },
        // Thilak et al. (2022)'s slingshot regime: Adam without weight decay and the float32 cross-entropy, whose
        // softmax rounds to 1 (docs/measures/slingshot.md measured slingshots with these settings)
        "unstable-optimizer": { optimizer: { name: "adam", lr: 1e-2, betas: [0.9, 0.999], weight_decay: 0 }, loss: "cross_entropy_float32" },
      },
      seeds: 3,
    },
  },
  "pair-mod67": {
    describe: "R5 over seeds: PAIR's modular addition MLP (embedding 500, hidden 24, wd 1, 50k steps), 16 seeds",
    // R5's grok criterion is the notebook's test loss < 1e-3 (the preset reports that loss): a run that never gets
    // there counts as "high test loss (memorization)" under the PAIR rule
    spec: { name: "pair-mod67", base: "pair-mod67", seeds: 16, classify: { pair: { test_loss: 1e-3 } } },
  },
  "wang-phi": {
    describe: "Wang et al. (2024): the inferred/atomic ratio φ sets how long after the fit composition generalizes (wang-composition-grok at φ 3.6–17, 8k steps), 2 seeds",
    spec: {
      name: "wang-phi",
      base: "wang-composition-grok",
      spec: { steps: 8000 },
      axes: { "task.phi": [3.6, 7.2, 9, 12, 17] }, // 17 is about the largest φ this 30-entity graph allows
      seeds: 2,
      // the preset's 90% thresholds; "grokking" when ID test reaches 90% more than 1,000 steps after train did
      classify: { liu: { train_acc: 0.9, test_acc: 0.9, gap: 1000 } },
    },
  },
  "wang-size": {
    describe: "Wang et al. (2024): at a fixed φ = 12, the graph's size (20, 30, 45 entities) barely changes when composition generalizes, 2 seeds × 4k steps",
    spec: {
      name: "wang-size",
      base: "wang-composition-grok",
      spec: { steps: 4000, task: { phi: 12 } }, // merged into the preset's task: its graph, φ 12
      axes: { "task.entities": [20, 30, 45] },
      seeds: 2,
      classify: { liu: { train_acc: 0.9, test_acc: 0.9, gap: 1000 } },
    },
  },
  "omnigrok-init": {
    describe: "Omnigrok (Liu et al. 2023): initialization scale × weight decay on the R1 quadratic net, 3 seeds",
    spec: {
      name: "omnigrok-init",
      base: "gromov",
      spec: { steps: 1500, eval: { every: 25 }, checkpoint_log_points: null, measures: ["weights/norm"] },
      axes: {
        "model.init_scale": { from: 0.25, to: 4, num: 5, scale: "log" }, // large init: memorization without generalization
        "optimizer.weight_decay": [0, 0.5, 2, 5, 10],
      },
      seeds: 3,
      classify: { liu: { gap: 100 } }, // R1 groks ~10 steps after memorizing: Liu's 1,000-step gap is for 10⁴–10⁵-step runs
    },
  },
  "omnigrok-mnist": {
    describe: "Omnigrok (Liu et al. 2023) on MNIST: initialization scale × weight decay on the omnigrok-mnist MLP (1,000 train images, 4.5k steps), 1 seed",
    spec: {
      name: "omnigrok-mnist",
      base: "omnigrok-mnist",
      axes: {
        "model.init_scale": { from: 1, to: 16, num: 5, scale: "log" }, // α = 1, 2, 4, 8, 16: the paper's x axis
        "optimizer.weight_decay": [0, 0.03, 0.1, 0.25, 1], // the preset's 0.25, and down to none: memorization stays
      },
      seeds: 1,
      // MNIST at 1,000 images tops out near 90% test: "generalized" is test ≥ 85%; a gap of 1k steps is a quarter of the run
      classify: { liu: { train_acc: 0.99, test_acc: 0.85, gap: 1000 } },
    },
  },
  "varma-dcrit": {
    describe: "Varma et al. (2023): training-set size scan on the R1 quadratic net to find D_crit, 3 seeds",
    spec: {
      name: "varma-dcrit",
      base: "gromov",
      spec: { steps: 3000, eval: { every: 25 }, checkpoint_log_points: null, measures: ["weights/norm"] },
      axes: { "task.train_fraction": { from: 0.05, to: 0.3, step: 0.025 } }, // 470 → 2,823 of the 9,409 pairs; D_crit ≈ 0.1–0.15 here
      seeds: 3,
      classify: { liu: { gap: 100 } },
    },
  },
  "doshi-corruption": {
    describe: "Doshi et al. (2024): label corruption ξ × weight decay on the R1 quadratic net (p = 97, N = 500), 2 seeds: coexistence, partial/full inversion, memorization, forgetting",
    spec: {
      name: "doshi-corruption",
      base: "gromov",
      spec: { steps: 1000, eval: { every: 50 }, checkpoint_every: 500, checkpoint_log_points: null, measures: ["corruption", "fourier/ipr", "weights/norm"] },
      axes: { "task.label_noise": [0.1, 0.2, 0.35, 0.5, 0.7], "optimizer.weight_decay": [0, 1, 3, 10, 30] },
      seeds: 2,
      classify: { liu: { gap: 100 } },
    },
  },
};

export function sweepPresetSpec(name: string): Record<string, unknown> {
  const p = Object.prototype.hasOwnProperty.call(SWEEP_PRESETS, name) ? SWEEP_PRESETS[name] : undefined;
  if (!p) throw new SpecError(`unknown sweep preset "${name}"; known sweep presets: ${Object.keys(SWEEP_PRESETS).join(", ")}`);
  return { description: p.describe, ...structuredClone(p.spec) };
}
