import type { Preset } from "./preset.js";

/**
 * R6: Prieto et al. (2025), "Grokking at the edge of numerical stability" — the settings of the authors' scripts
 * (grokking_experiments.py / utils.py): an MLP on the concatenated one-hot operands, 226 → 200 → 200 → 113, ReLU,
 * (a + b) mod 113, 40% train, full batch, AdamW lr 1e-2, no weight decay, Adam ε = 1e-25 (tiny on purpose: updates
 * keep their size as gradients vanish). Our "mlp" on a modular task takes the two tokens as concatenated one-hots
 * (d_in = 2·113 = 226, computed as row gathers). The authors' MLP has no biases (`bias=False`), which makes it
 * positively homogeneous — scaling the weights only scales the logits, the paper's naive loss minimization.
 */
const base = {
  task: { name: "modular", op: "add", p: 113, train_fraction: 0.4 },
  model: { name: "mlp", depth: 2, width: 200, activation: "relu", bias: false, init_scale: 1 }, // nn.Linear(bias=False) default init
  batch_size: null, // full batch: one step = one epoch
  measures: ["weights/norm", "stability/softmax_collapse", "stability/nlm_cosine"],
} as const;

/**
 * Softmax CE in float32: fits the training set, then Softmax Collapse stops learning before it generalizes.
 * (The paper's Figure 1 baseline computes the CE in float64 for 80k epochs: `--set loss=cross_entropy --steps 80000`.)
 */
export const prietoSoftmax: Preset = {
  describe: "MLP 226→200→200→113 on (a+b) mod 113, float32 softmax CE, AdamW wd 0: 100% train, test stuck near chance, Softmax Collapse rises",
  spec: {
    ...base,
    steps: 2000, // train acc reaches 100% within ~100 epochs; the rest shows SC rising and learning stopping
    loss: "cross_entropy_float32", // PyTorch's float32 log_softmax, where SC happens
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.99], weight_decay: 0, eps: 1e-25 }, // the scripts' default β2 0.99
    eval: { every: 10 },
    checkpoint_every: 500,
  },
};

/** StableMax CE: no Softmax Collapse, so it groks without weight decay — but only after tens of thousands of epochs. */
export const prietoStablemax: Preset = {
  describe: "same MLP with StableMax CE, AdamW wd 0, β2 0.999: groks without regularization after tens of thousands of epochs (paper: 80k)",
  spec: {
    ...base,
    steps: 80000, // the paper's length; a long run, not a CI test
    loss: "stablemax_cross_entropy",
    optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.999], weight_decay: 0, eps: 1e-25 },
    eval: { every: 100, log_points: 60 },
    checkpoint_every: 10000,
  },
};

/** ⊥AdamW: the gradient orthogonal to each weight tensor (no NLM) — groks within a few hundred epochs, no weight decay. */
export const prietoOrthograd: Preset = {
  describe: "same MLP, float32 softmax CE, ⊥AdamW (gradient ⊥ weights, norm kept), wd 0, β2 0.99: groks within 300 epochs",
  spec: {
    ...base,
    steps: 300, // the CPU-sized check of R6 (PyTorch reference: test 99.5% at epoch 150)
    loss: "cross_entropy_float32",
    optimizer: { name: "adamw", orthogonal: true, lr: 1e-2, betas: [0.9, 0.99], weight_decay: 0, eps: 1e-25 },
    eval: { every: 10 },
    checkpoint_every: 100,
  },
};

/**
 * ⊥SGD (the paper's Figure 6 command: `--optimizer SGD --lr 10 --orthogonal_gradients --train_precision 64
 * --loss_function stablemax --cross_entropy_dtype float64`). Momentum 0.8: the authors' script builds the SGD inside its
 * `OrthoGrad` wrapper with `momentum=0.8`, and loading the plain SGD's state afterwards (momentum 0.2) does not reach the
 * wrapped optimizer's hyper-parameters. With momentum 0.2 the same run barely learns in 500 epochs (PyTorch and here).
 */
export const prietoOrthoSgd: Preset = {
  describe: "same MLP, ⊥SGD lr 10 (momentum 0.8), StableMax, float64, wd 0: groks within 500 epochs",
  spec: {
    ...base,
    steps: 500,
    loss: "stablemax_cross_entropy",
    optimizer: { name: "sgd", orthogonal: true, lr: 10, momentum: 0.8 },
    backend: "js64", // the paper trains this one in float64 (plain JS here: 1.5–3 s per epoch; `--set backend=wasm` for float32)
    eval: { every: 25 },
    checkpoint_every: 100,
  },
};
