/**
 * Optimizers as pure init/update pairs over a parameter record, with PyTorch's semantics (torch.optim.SGD, Adam,
 * AdamW) so a run here and a run of the PyTorch reference take the same steps. The state is plain data: named
 * Float32Array moments (PyTorch's slot names, `exp_avg/U`) plus the step count, saved to safetensors as they are.
 * Scalars are computed in float64, moments stored in float32 (as PyTorch stores them).
 *
 * Config keys are snake_case and default to PyTorch's values. `l1` is our addition: l1·sign(p) is added to the
 * gradient (an L1 penalty's subgradient), the "L1 weight decay" of PAIR's sparse-parity animation.
 * `orthogonal: true` (any optimizer) is ⊥Grad (Prieto et al. 2025; src/train/orthograd.ts): each tensor's gradient is
 * projected orthogonal to its weights and rescaled to its norm before the step — ⊥AdamW is
 * `{ name: "adamw", orthogonal: true }`, ⊥SGD `{ name: "sgd", orthogonal: true }`. The key is left out of a parsed
 * config unless given, so configs written before it stay byte-identical.
 * Moments are allocated with the parameters' array type: Float32Array, or Float64Array under the float64 backend.
 */
import { z } from "zod";
import type { Backend } from "../tensor/backend.js";
import { adamUpdate, type AdamCoefficients } from "../tensor/kernels/adam.js";
import type { Params } from "../tensor/tensor.js";
import { parseByName } from "../util/zod-issue.js";
import { orthogonalizeAll } from "./orthograd.js";

// ---- configs ----
const nonNegative = z.number().min(0, "must be ≥ 0");
const learningRate = z.number().gt(0, "must be > 0");
const beta = z.number().min(0, "must be in [0, 1)").lt(1, "must be in [0, 1)");
/** ⊥Grad: project each gradient tensor orthogonal to its weights, keep its norm (Prieto et al. 2025). */
const orthogonal = z.boolean().optional();

export const SgdConfigSchema = z.strictObject({
  name: z.literal("sgd"),
  lr: learningRate.default(1e-3),
  /** Heavy-ball momentum (dampening 0, no Nesterov), torch.optim.SGD's `momentum`. */
  momentum: beta.default(0),
  /** L2 penalty added to the gradient: g ← g + wd·p. */
  weight_decay: nonNegative.default(0),
  l1: nonNegative.default(0),
  orthogonal,
});

const adamShape = {
  lr: learningRate.default(1e-3),
  betas: z.tuple([beta, beta]).default([0.9, 0.999]),
  /** Added to sqrt(v̂), not inside it. Prieto et al. (2025) use 1e-25 on purpose. */
  eps: nonNegative.default(1e-8),
  l1: nonNegative.default(0),
  orthogonal,
  /**
   * Store a parameter whose update lands below this magnitude as 0 (absent or 0: never). Long runs with a small L2
   * decay leave dead neurons' weights decaying through the tiny floats, where every product that underflows or reads a
   * subnormal costs a microcode assist on x86 (WebAssembly cannot switch flush-to-zero on). `FLUSH_BELOW_CUBIC` =
   * 2^-42 suits a net whose output is cubic in its weights (gromov): below it a dead neuron's contribution underflows
   * anyway.
   */
  flush_below: z.number().min(0, "must be ≥ 0").max(1e-6, "must be ≤ 1e-6 (it zeroes weights below it)").optional(),
};

/** Adam (Kingma & Ba 2015); `weight_decay` is an L2 penalty added to the gradient before the moments. */
export const AdamConfigSchema = z.strictObject({ name: z.literal("adam"), ...adamShape, weight_decay: nonNegative.default(0) });

/** AdamW (Loshchilov & Hutter 2019): decoupled decay p ← p − lr·wd·p before the Adam step. */
export const AdamWConfigSchema = z.strictObject({ name: z.literal("adamw"), ...adamShape, weight_decay: nonNegative.default(1e-2) });

export const OptimizerConfigSchema = z.discriminatedUnion("name", [SgdConfigSchema, AdamConfigSchema, AdamWConfigSchema]);

export type SgdConfig = z.output<typeof SgdConfigSchema>;
export type AdamConfig = z.output<typeof AdamConfigSchema>;
export type AdamWConfig = z.output<typeof AdamWConfigSchema>;
export type OptimizerConfig = z.output<typeof OptimizerConfigSchema>;
/** What a spec may write: any key but `name` may be omitted. */
export type OptimizerConfigInput = z.input<typeof OptimizerConfigSchema>;
export type OptimizerName = OptimizerConfig["name"];

/** Validates and fills defaults; the error names the offending key as `<where>.<key>`. */
export function parseOptimizerConfig(input: unknown, where = "optimizer"): OptimizerConfig {
  return parseByName(OptimizerConfigSchema, input, where);
}

// ---- state ----
export interface OptimizerState {
  /** Updates taken so far (PyTorch's `step`). */
  step: number;
  /** `<slot>/<param name>` → moment with the parameter's shape, e.g. `exp_avg/U`, `momentum_buffer/W`. */
  readonly tensors: Record<string, Float32Array>;
}

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Zeroed state for `params`; `alloc` (the backend's) makes the moments where its kernels read them in place. */
  init(params: Params, alloc?: (length: number) => Float32Array): OptimizerState;
  /**
   * One step in place: params and state change, `lr` is this step's learning rate (from the schedule). With a
   * `backend`, its kernels take the step where it has them (Adam's), with the same bits as without.
   */
  update(params: Params, grads: Params, state: OptimizerState, lr: number, backend?: Backend): void;
}

const MAX_STEP = 2 ** 24; // the step is saved as a float32, exact up to here

/** A zeroed array of x's length and element type (Float64Array under the float64 backend, typed as Float32Array). */
function likeArray(x: Float32Array): Float32Array {
  const a: ArrayLike<number> = x;
  return a instanceof Float64Array ? (new Float64Array(x.length) as unknown as Float32Array) : new Float32Array(x.length);
}

function slots(names: readonly string[], params: Params, alloc?: (length: number) => Float32Array): OptimizerState {
  const tensors: Record<string, Float32Array> = {};
  for (const slot of names) {
    for (const [p, t] of Object.entries(params)) {
      // same array type as the parameter: float64 moments for a float64 run
      tensors[`${slot}/${p}`] = alloc ? alloc(t.data.length) : likeArray(t.data);
    }
  }
  return { step: 0, tensors };
}

function gradOf(grads: Params, name: string, n: number): Float32Array {
  const g = grads[name];
  if (!g) throw new Error(`optimizer: no gradient for parameter "${name}"`);
  if (g.data.length !== n) throw new Error(`optimizer: gradient of "${name}" has ${g.data.length} entries, parameter has ${n}`);
  return g.data;
}

function slotOf(state: OptimizerState, key: string, n: number): Float32Array {
  const t = state.tensors[key];
  if (!t || t.length !== n) throw new Error(`optimizer: state "${key}" is missing or has the wrong size (was it made by init for these params?)`);
  return t;
}

/** torch.optim.SGD with dampening 0: g ← ∇ + wd·p (+ l1·sign p); b ← μb + g; p ← p − lr·b (b = g when μ = 0). */
export function sgd(config: SgdConfig): Optimizer {
  const { momentum: mu, weight_decay: wd, l1 } = config;
  return {
    config,
    init: (params, alloc) => slots(mu > 0 ? ["momentum_buffer"] : [], params, alloc),
    update(params, grads, state, lr) {
      for (const [name, t] of Object.entries(params)) {
        const p = t.data, n = p.length, g = gradOf(grads, name, n);
        const buf = mu > 0 ? slotOf(state, `momentum_buffer/${name}`, n) : null;
        for (let i = 0; i < n; i++) {
          const pi = p[i];
          let gi = g[i] + wd * pi + l1 * Math.sign(pi);
          if (buf) {
            // PyTorch sets the buffer to the first gradient; with dampening 0 that equals μ·0 + g.
            buf[i] = mu * buf[i] + gi;
            gi = buf[i];
          }
          p[i] = pi - lr * gi;
        }
      }
      state.step++;
    },
  };
}

/**
 * torch.optim.Adam / AdamW (their single-tensor path): t ← t + 1;
 *   AdamW: p ← p·(1 − lr·wd);  Adam: g ← g + wd·p
 *   m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + eps)
 */
/** Step t's scalars of Adam (L2 weight decay) or AdamW (decoupled), in float64, for learning rate `lr`. */
export function adamCoefficients(config: AdamConfig | AdamWConfig, lr: number, t: number): AdamCoefficients {
  const { betas: [b1, b2], eps, weight_decay: wd, l1 } = config;
  const decoupled = config.name === "adamw";
  return {
    decay: decoupled ? 1 - lr * wd : 1,
    l2: decoupled ? 0 : wd,
    l1,
    b1,
    b2,
    stepSize: lr / (1 - Math.pow(b1, t)),
    bc2Sqrt: Math.sqrt(1 - Math.pow(b2, t)),
    eps,
    flushBelow: config.flush_below ?? 0,
  };
}

function adamFamily(config: AdamConfig | AdamWConfig): Optimizer {
  return {
    config,
    init: (params, alloc) => slots(["exp_avg", "exp_avg_sq"], params, alloc),
    update(params, grads, state, lr, backend) {
      const t = state.step + 1;
      const c = adamCoefficients(config, lr, t);
      const step = backend?.adamUpdate ?? adamUpdate;
      for (const [name, tp] of Object.entries(params)) {
        const p = tp.data, n = p.length, g = gradOf(grads, name, n);
        step(n, p, g, slotOf(state, `exp_avg/${name}`, n), slotOf(state, `exp_avg_sq/${name}`, n), c);
      }
      state.step = t;
    },
  };
}

export const adam = (config: AdamConfig): Optimizer => adamFamily(config);
export const adamw = (config: AdamWConfig): Optimizer => adamFamily(config);

export const OPTIMIZERS: { readonly [N in OptimizerName]: (config: Extract<OptimizerConfig, { name: N }>) => Optimizer } = {
  sgd,
  adam,
  adamw,
};

/** The optimizer a (validated) config names; `orthogonal: true` wraps it in ⊥Grad. */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  const base = ((): Optimizer => {
    switch (config.name) {
      case "sgd": return OPTIMIZERS.sgd(config);
      case "adam": return OPTIMIZERS.adam(config);
      case "adamw": return OPTIMIZERS.adamw(config);
    }
  })();
  return config.orthogonal ? orthogonalized(base) : base;
}

/**
 * ⊥Grad around an optimizer: the step sees g⊥·‖g‖/‖g⊥‖ per tensor instead of g. The projected gradient goes to a
 * scratch record (the caller's `grads` are left as the loss produced them, for measures); no extra state is saved.
 */
export function orthogonalized(base: Optimizer): Optimizer {
  const scratch = new WeakMap<Float32Array, Float32Array>(); // gradient buffer → its projected copy
  const scratchOf = (g: Float32Array): Float32Array => {
    let s = scratch.get(g);
    if (!s || s.length !== g.length) scratch.set(g, (s = likeArray(g)));
    return s;
  };
  return {
    config: base.config,
    init: (params, alloc) => base.init(params, alloc),
    update(params, grads, state, lr, backend) {
      const projected: Params = {};
      for (const name of Object.keys(params)) {
        const g = gradOf(grads, name, params[name].data.length);
        projected[name] = { shape: grads[name].shape, data: scratchOf(g) };
      }
      orthogonalizeAll(params, grads, projected);
      base.update(params, projected, state, lr, backend);
    },
  };
}

// ---- checkpointing ----
/** The state as named float32 tensors for safetensors: the moments plus `step` as a [1] tensor. */
export function stateTensors(state: OptimizerState): Record<string, Float32Array> {
  if (state.step > MAX_STEP) throw new Error(`optimizer: step ${state.step} exceeds ${MAX_STEP}, which a float32 "step" tensor cannot hold exactly`);
  return { ...state.tensors, step: Float32Array.of(state.step) };
}

/** Restores `stateTensors` output into a state made by `init` for the same params; names and sizes must match. */
export function loadStateTensors(state: OptimizerState, tensors: Record<string, Float32Array>): void {
  const step = tensors.step;
  if (!step || step.length !== 1 || !Number.isInteger(step[0]) || step[0] < 0) throw new Error(`optimizer state: tensor "step" is missing or not a single non-negative integer`);
  for (const key of Object.keys(tensors)) {
    if (key !== "step" && !Object.hasOwn(state.tensors, key)) throw new Error(`optimizer state: unexpected tensor "${key}"`);
  }
  for (const [key, dst] of Object.entries(state.tensors)) {
    const src = tensors[key];
    if (!src) throw new Error(`optimizer state: tensor "${key}" is missing`);
    if (src.length !== dst.length) throw new Error(`optimizer state: tensor "${key}" has ${src.length} entries, expected ${dst.length}`);
    dst.set(src);
  }
  state.step = step[0];
}

/** Shapes of the `stateTensors` entries (each moment has its parameter's shape). */
export function stateTensorShapes(state: OptimizerState, params: Params): Record<string, readonly number[]> {
  const shapes: Record<string, readonly number[]> = { step: [1] };
  for (const key of Object.keys(state.tensors)) {
    const name = key.slice(key.indexOf("/") + 1);
    const p = params[name];
    if (!p) throw new Error(`optimizer state: tensor "${key}" names no parameter`);
    shapes[key] = p.shape;
  }
  return shapes;
}
