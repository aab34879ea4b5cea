import type { Preset } from "./preset.js";

/** R4: PAIR's 5-neuron modular addition model (20 trainable numbers) on a fixed circle embedding. */
export const pairFiveNeuron: Preset = {
  describe: "5 ReLU neurons on a fixed cos/sin embedding of a mod 67, symmetric pairs, 30% train: neurons spread around the circle",
  spec: {
    steps: 15000,
    task: { name: "modular", op: "add", p: 67, train_fraction: 0.3, symmetric: true },
    model: { name: "five_neuron", neurons: 5, init_scale: 1 },
    loss: "cross_entropy_per_entry", // the notebook's -mean(onehot * log_softmax): cross-entropy / 67 (same outcomes on seeds 1–10 as the plain one)
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.98], weight_decay: 1e-3 },
    eval: { every: 100, log_points: 40 },
    checkpoint_every: 5000,
    measures: ["weights/norm", "five_neuron/geometry"],
    // 20 parameters: kernel threads would cost more than they save; one wasm thread takes half the plain-JS step
    // (0.55 against 1.28 ms) and ends seeds 1–10 as the plain-JS backend did (8 succeed, 4 and 7 stall)
    backend: "wasm",
    threads: 1,
  },
};
