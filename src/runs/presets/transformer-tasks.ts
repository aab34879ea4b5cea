import type { Preset } from "./preset.js";

/** The 2-layer transformer of the Wang et al. presets (the paper: GPT-2-style, 8 layers, d 768; CPU size here). */
const WANG_MODEL = { name: "transformer", layers: 2, d_model: 64, heads: 4, d_mlp: 256, layer_norm: true, eq_token: false } as const;
/** AdamW with 50 warm-up steps and a cosine decay to 10% (a constant lr 1e-2 stalled near 80% train accuracy). */
const WANG_OPTIMIZER = { name: "adamw", lr: 3e-3, betas: [0.9, 0.98], weight_decay: 1 } as const;
const WANG_SCHEDULE = { name: "cosine", warmup_steps: 50, min_lr_ratio: 0.1 } as const;
/** Every entity has every relation, so φ can reach 17 (600 atomic facts, 540 of them ID). */
const WANG_GRAPH = { name: "composition", entities: 30, relations: 20, out_degree: 20 } as const;

/**
 * Wang et al. (2024), "Grokked transformers are implicit reasoners": two-hop composition on a random knowledge
 * graph — 30 entities, 20 relations, every entity with all 20 (600 atomic facts, 10% of them OOD), φ = 17 inferred
 * training facts per ID atomic fact. The paper's result: composition generalizes in distribution but stays at chance
 * out of distribution. Here (seeds 1–3, 1,000 steps): ID test 100%, OOD 1.7–4.3% (chance 3.3%).
 */
export const wangComposition: Preset = {
  describe: "two-hop composition on a knowledge graph (Wang et al. 2024), 2-layer transformer: ID test reaches 100%, OOD stays at chance",
  spec: {
    steps: 1000,
    task: { ...WANG_GRAPH, phi: 17 },
    model: WANG_MODEL,
    loss: "cross_entropy",
    optimizer: WANG_OPTIMIZER,
    schedule: WANG_SCHEDULE,
    batch_size: 512,
    eval: { every: 100 },
    checkpoint_every: 500,
    measures: ["weights/norm", "logit_lens"],
  },
};

/**
 * Wang et al. (2024)'s grokking curve: the same graph and model as wang-composition, but the paper's kind of
 * schedule (a constant learning rate after a short warm-up; the paper: 1e-4 with weight decay 0.1 for 10⁵–10⁶ steps)
 * and a smaller inferred/atomic ratio φ = 9 (the paper's φ runs from 3.6 to 18). The training set is fit early
 * (train ≥ 90% by step ~600) while ID test accuracy stays low for about 2,000 more steps before it rises:
 * generalization long after the fit, at a speed set by φ (sweep wang-phi). Measured values: docs/reproductions.md.
 */
export const wangCompositionGrok: Preset = {
  describe: "two-hop composition (Wang et al. 2024) at φ 9 with a constant lr: train fit by ~600 steps, ID test generalizes ~2,000 steps later, OOD stays at chance",
  spec: {
    ...wangComposition.spec,
    steps: 5000,
    task: { ...WANG_GRAPH, phi: 9 },
    optimizer: { ...WANG_OPTIMIZER, lr: 1e-3 },
    schedule: { name: "linear_warmup", warmup_steps: 50 },
    checkpoint_every: 1000,
    acc_threshold: 0.9, // memorize_step: train ≥ 90%; grok_step: ID test ≥ 90% (the paper plots both curves)
    measures: ["weights/norm"],
  },
};

/**
 * Wang et al. (2024): attribute comparison (task defaults: 50 entities, 10 attributes, 10 values, φ 8, 20% OOD
 * entities per attribute). The paper's result: comparison generalizes both in and out of distribution. Here (seeds
 * 1–3, 1,000 steps): ID 93–96%, OOD 84.6–90.8%.
 */
export const wangComparison: Preset = {
  describe: "attribute comparison on a knowledge graph (Wang et al. 2024), 2-layer transformer: ID and OOD tests both high",
  spec: {
    steps: 1000,
    task: { name: "comparison" },
    model: { ...WANG_MODEL, layer_norm: false },
    loss: "cross_entropy",
    optimizer: WANG_OPTIMIZER,
    schedule: WANG_SCHEDULE,
    batch_size: 512,
    eval: { every: 100 },
    checkpoint_every: 500,
    measures: ["weights/norm", "logit_lens"],
  },
};

/**
 * Asynchronous per-domain grokking: x + y and x − y mod 31 in one 1-layer transformer with LayerNorm, different
 * training shares (80% and 55%). Both domains are memorized by step ~250; each then groks (test ≥ 95%) at its own
 * step — seed 1: x + y at 1,200, x − y at 1,950 — while the pooled training loss has long converged. Over seeds 1–8
 * addition groks at 800–2,150 on every seed, subtraction later on 6 of 8 (not by 3,000 on seeds 4 and 8).
 */
export const mixtureAsync: Preset = {
  describe: "x+y and x−y mod 31 in one transformer (80% / 55% train): both memorized early, each domain groks at its own step",
  spec: {
    steps: 3000,
    task: { name: "mixture", p: 31, domains: [{ op: "add", train_fraction: 0.8 }, { op: "sub", train_fraction: 0.55 }] },
    model: { name: "transformer", layers: 1, d_model: 32, heads: 4, d_mlp: 128, layer_norm: true, eq_token: true },
    loss: "cross_entropy",
    optimizer: { name: "adamw", lr: 3e-3, betas: [0.9, 0.98], weight_decay: 1 },
    schedule: { name: "cosine", warmup_steps: 50, min_lr_ratio: 0.1 },
    eval: { every: 50 },
    checkpoint_every: 500,
    acc_threshold: 0.95, // per-domain grok steps in split_steps
    measures: ["weights/norm", "fourier/gini", "domain/restricted_loss"], // the last: a test-free indicator per domain
  },
};
