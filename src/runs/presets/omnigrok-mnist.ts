import type { Preset } from "./preset.js";

/**
 * Omnigrok (Liu, Michaud & Tegmark 2023, "Omnigrok: Grokking Beyond Algorithmic Data"), MNIST: 1,000 training images,
 * an MLP with 3 linear layers (2 hidden, width 200, ReLU), MSE to one-hot targets, AdamW lr 1e-3, batch 200, every
 * parameter of PyTorch's default init multiplied by α = 8. Their explanation: a large init puts the weight norm far
 * above the "Goldilocks zone" of generalizing solutions; the network memorizes out there, and decoupled weight decay
 * shrinks the norm by a factor (1 − lr·wd) a step until it reaches the zone and the test accuracy rises. The delay
 * scales as 1/(lr·wd).
 */
export const omnigrokMnistFull: Preset = {
  describe: "Omnigrok MNIST at the paper's settings: 1,000 train images, MLP 784→200→200→10 ReLU, α = 8, MSE, AdamW lr 1e-3 wd 0.01, batch 200, 100k steps; generalizes after 10⁴–10⁵ steps (not run in CI)",
  spec: {
    steps: 100000,
    task: { name: "mnist", n_train: 1000, n_test: 9000 }, // test: every other image of the package
    model: { name: "mlp", depth: 2, width: 200, activation: "relu", bias: true, init_scale: 8 }, // "depth 3" counts linear layers
    loss: "mse", // mean over the n·10 entries, as nn.MSELoss against one-hot targets
    optimizer: { name: "adamw", lr: 1e-3, weight_decay: 0.01 },
    batch_size: 200,
    eval: { every: 1000, log_points: 60 }, // log-spaced through memorization (~2k), every 1k through the slow rise
    // a checkpoint with its optimizer state is 2.4 MB: every 10k, plus 8 log-spaced through memorization
    checkpoint_every: 10000,
    checkpoint_log_points: 8,
    measures: ["weights/norm"],
  },
};

/**
 * The same phenomenon in about a minute of CPU: weight decay 0.25 (25× the paper's), so the norm reaches the
 * Goldilocks zone ~25× sooner, 4.5k steps, and 2,000 test images instead of 9,000 (evaluation cost). Everything else
 * is the paper's. wd 0.15 delays generalization further (test 79% at 6k); wd 1 generalizes while it memorizes.
 */
export const omnigrokMnist: Preset = {
  describe: "Omnigrok MNIST, CPU size: as omnigrok-mnist-full but wd 0.25 (paper 0.01), 2,000 test images, 4.5k steps: memorizes by ~2k with test well below its final value, then test rises to ~85%; init_scale 1 generalizes while it memorizes",
  spec: {
    ...omnigrokMnistFull.spec,
    steps: 4500,
    task: { name: "mnist", n_train: 1000, n_test: 2000 },
    optimizer: { name: "adamw", lr: 1e-3, weight_decay: 0.25 }, // lr·wd 2.5e-4: the delay ~1/(lr·wd) shrinks 25×
    eval: { every: 100 },
    checkpoint_every: 1000, // 5 + 8 log-spaced + the last: ~34 MB
  },
};
