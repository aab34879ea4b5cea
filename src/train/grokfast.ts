/**
 * Grokfast gradient filters (Lee, Kang, Kim & Lee 2024, "Grokfast: Accelerated Grokking by Amplifying Slow
 * Gradients", arXiv 2405.20233), applied between backward and the optimizer step. Each parameter's gradient
 * sequence g_t is low-pass filtered and the slow part amplified:
 *   EMA (Algorithm 2):  μ_t = α μ_{t−1} + (1 − α) g_t,  μ_0 := g_1 (the repo seeds the average with the first gradient)
 *                       ĝ_t = g_t + λ μ_t
 *   MA  (Algorithm 1):  ĝ_t = g_t + λ · mean(g_{t−w+1}, …, g_t), applied only once w gradients are held (warmup)
 * Defaults are those of the reference implementation's functions (github.com/ironjr/grokfast, grokfast.py:
 * gradfilter_ema α = 0.99, λ = 5; gradfilter_ma window 100, λ = 5, warmup on). The paper's modular-arithmetic runs
 * use EMA α = 0.98, λ = 2.
 *
 * Pure init/apply pair over a parameter record; the state is plain named Float32Arrays (`grokfast/ema/<param>`,
 * `grokfast/ma/<param>` a ring buffer [window, ...shape]) plus a call count, so it goes into a checkpoint as it is.
 */
import { z } from "zod";
import type { Params } from "../tensor/tensor.js";
import type { StepHook } from "./step-hooks.js";
import { parseByName } from "../util/zod-issue.js";

const lamb = z.number().min(0, "must be ≥ 0");

export const GrokfastEmaConfigSchema = z.strictObject({
  name: z.literal("ema"),
  /** EMA momentum α ∈ [0, 1): larger = slower (lower cutoff frequency). */
  alpha: z.number().min(0, "must be in [0, 1)").lt(1, "must be in [0, 1)").default(0.99),
  /** Amplification λ of the slow component. */
  lamb: lamb.default(5.0),
});

export const GrokfastMaConfigSchema = z.strictObject({
  name: z.literal("ma"),
  /** Moving-average window w (gradients held per parameter). */
  window: z.number().int("must be an integer").min(1, "must be ≥ 1").max(10000, "must be ≤ 10000").default(100),
  lamb: lamb.default(5.0),
  /** Leave the gradient unfiltered until the window is full (the repo's default). */
  warmup: z.boolean().default(true),
});

export const GrokfastConfigSchema = z.discriminatedUnion("name", [GrokfastEmaConfigSchema, GrokfastMaConfigSchema]);

export type GrokfastConfig = z.output<typeof GrokfastConfigSchema>;
export type GrokfastConfigInput = z.input<typeof GrokfastConfigSchema>;

/** Validates and fills defaults; the error names the offending key as `<where>.<key>`. */
export function parseGrokfastConfig(input: unknown, where = "grokfast"): GrokfastConfig {
  return parseByName(GrokfastConfigSchema, input, where);
}

export interface GrokfastState {
  /** Filter calls so far (gradients seen). */
  step: number;
  /** `grokfast/ema/<param>` [param size] or `grokfast/ma/<param>` [window · param size]. */
  readonly tensors: Record<string, Float32Array>;
}

const slotName = (config: GrokfastConfig, param: string): string => `grokfast/${config.name}/${param}`;
const MAX_STEP = 2 ** 24; // saved as a float32

export function grokfastInit(params: Params, config: GrokfastConfig): GrokfastState {
  const tensors: Record<string, Float32Array> = {};
  const mult = config.name === "ma" ? config.window : 1;
  for (const [name, t] of Object.entries(params)) tensors[slotName(config, name)] = new Float32Array(mult * t.data.length);
  return { step: 0, tensors };
}

function slotOf(state: GrokfastState, key: string, n: number): Float32Array {
  const t = state.tensors[key];
  if (!t || t.length !== n) throw new Error(`grokfast: state "${key}" is missing or has the wrong size (was it made by grokfastInit for these params and config?)`);
  return t;
}

/** Filters `grads` in place (g ← g + λ·slow(g)) and advances the state. */
export function grokfastApply(grads: Params, state: GrokfastState, config: GrokfastConfig): void {
  const first = state.step === 0;
  if (config.name === "ema") {
    const { alpha: a, lamb: l } = config;
    for (const [name, t] of Object.entries(grads)) {
      const g = t.data, n = g.length, mu = slotOf(state, slotName(config, name), n);
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        const m = first ? gi : a * mu[i] + (1 - a) * gi; // μ_0 = g_1, so μ_1 = α g_1 + (1 − α) g_1 = g_1
        mu[i] = m;
        g[i] = gi + l * m;
      }
    }
  } else {
    const { window: w, lamb: l, warmup } = config;
    const slot = state.step % w; // ring position of this gradient
    const held = Math.min(state.step + 1, w);
    const apply = !warmup || held === w;
    for (const [name, t] of Object.entries(grads)) {
      const g = t.data, n = g.length, buf = slotOf(state, slotName(config, name), w * n);
      buf.set(g, slot * n);
      if (!apply) continue;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < held; k++) s += buf[k * n + i];
        g[i] += (l * s) / held;
      }
    }
  }
  state.step++;
}

// ---- checkpointing ----
/** The state as named float32 tensors (`grokfast/step` as a [1] tensor); no key collides with optimizer slots. */
export function grokfastStateTensors(state: GrokfastState): Record<string, Float32Array> {
  if (state.step > MAX_STEP) throw new Error(`grokfast: step ${state.step} exceeds ${MAX_STEP}, which a float32 tensor cannot hold exactly`);
  return { ...state.tensors, "grokfast/step": Float32Array.of(state.step) };
}

/** Restores `grokfastStateTensors` output into a state made by grokfastInit for the same params and config. */
export function loadGrokfastStateTensors(state: GrokfastState, tensors: Record<string, Float32Array>): void {
  const step = tensors["grokfast/step"];
  if (!step || step.length !== 1 || !Number.isInteger(step[0]) || step[0] < 0) throw new Error(`grokfast state: tensor "grokfast/step" is missing or not a single non-negative integer`);
  for (const key of Object.keys(tensors)) {
    if (key.startsWith("grokfast/") && key !== "grokfast/step" && !Object.hasOwn(state.tensors, key)) throw new Error(`grokfast state: unexpected tensor "${key}" (was the checkpoint made with another filter?)`);
  }
  for (const [key, dst] of Object.entries(state.tensors)) {
    const src = tensors[key];
    if (!src) throw new Error(`grokfast state: tensor "${key}" is missing`);
    if (src.length !== dst.length) throw new Error(`grokfast state: tensor "${key}" has ${src.length} entries, expected ${dst.length}`);
    dst.set(src);
  }
  state.step = step[0];
}

/** Shapes of the `grokfastStateTensors` entries: EMA slots have the parameter's shape, MA slots [window, ...shape]. */
export function grokfastStateShapes(state: GrokfastState, params: Params, config: GrokfastConfig): Record<string, readonly number[]> {
  const shapes: Record<string, readonly number[]> = { "grokfast/step": [1] };
  for (const [name, t] of Object.entries(params)) {
    const key = slotName(config, name);
    if (!Object.hasOwn(state.tensors, key)) throw new Error(`grokfast state: no slot "${key}" for parameter "${name}"`);
    shapes[key] = config.name === "ma" ? [config.window, ...t.shape] : t.shape;
  }
  return shapes;
}

/** The filter as a step hook of the training loop: it rewrites the gradients before the update (checkpointed under filter/). */
export function grokfastHook(params: Params, config: GrokfastConfig): StepHook & { readonly filter: GrokfastState } {
  const filter = grokfastInit(params, config);
  return {
    name: "grokfast",
    checkpointPrefix: "filter/",
    filter,
    beforeUpdate: (_setup, state) => grokfastApply(state.grads, filter, config),
    saveState: () => Object.fromEntries(Object.entries(grokfastStateTensors(filter)).map(([k, data]) => [k, { dtype: "F32" as const, data }])),
    loadState: (t) => loadGrokfastStateTensors(filter, t as Record<string, Float32Array>),
  };
}
