/**
 * TransformerLens-style interventions at hook points (Graph.hook): ablation and activation patching of a selection
 * of an activation x [rows, d]. Every intervention is one recorded op
 *   y[i] = x[i] − A (x[i] − r[i]),
 * where A is the projector onto the ablated units — a 0/1 column mask (neurons, heads) or the orthogonal projector P
 * onto the span of given directions, and I − A in `keep` mode (ablate everything except the selection) — and r is
 * the replacement: 0 (zero ablation), a fixed mean row μ, the batch mean (1/n) Σ_k x[k], or another run's
 * activation (patching). Its VJP (A is symmetric):
 *   dx[k] = (I − A) G[k] + [r = batch mean] (1/n) A Σ_i G[i],
 * so the ablated units pass no gradient except through the batch mean — the op is exact under training too.
 * Mean ablation and patching: Meng et al. (2022, "Locating and editing factual associations in GPT", causal tracing)
 * and Nanda et al. (2023, "Progress measures for grokking via mechanistic interpretability", §5 ablations).
 */
import type { Params } from "../tensor/tensor.js";
import type { ForwardOptions, Graph, Intervention, Var } from "./graph.js";
import { cols, rows } from "./ops/shape.js";

/** Which units of an activation [rows, d] an intervention acts on; `keep` acts on all the others instead. */
export type Selection =
  | { readonly neurons: readonly number[]; readonly keep?: boolean }
  /** Column blocks [h·dHead, (h + 1)·dHead) of a head-concatenated activation (hook_z, hook_q). */
  | { readonly heads: readonly number[]; readonly dHead: number; readonly keep?: boolean }
  /** k directions of length d, row-major (k × d): their span is ablated (x ← x − P x), orthonormalized in float64. */
  | { readonly directions: ArrayLike<number>; readonly keep?: boolean }
  /** Every unit. */
  | { readonly all: true };

export type Projector =
  | { readonly kind: "mask"; readonly cols: Int32Array } // the ablated columns, ascending
  | { readonly kind: "span"; readonly Q: Float64Array; readonly m: number; readonly keep: boolean }; // Q: m orthonormal rows

const describe = (s: Selection): string =>
  "neurons" in s ? "neurons" : "heads" in s ? "heads" : "directions" in s ? "directions" : "all";

function checkIndices(what: string, idx: readonly number[], limit: number, hook: string, d: number): void {
  for (const i of idx) {
    if (!Number.isInteger(i) || i < 0 || i >= limit) throw new RangeError(`${what} ${i} is out of range for hook "${hook}" (${limit} ${what === "head" ? `heads of ${d / limit} columns` : "units"}: 0 … ${limit - 1})`);
  }
}

function maskProjector(selected: Uint8Array, keep: boolean): Projector {
  const out: number[] = [];
  for (let j = 0; j < selected.length; j++) if ((selected[j] === 1) !== keep) out.push(j);
  return { kind: "mask", cols: Int32Array.from(out) };
}

/**
 * Orthonormal rows spanning the given k × d directions (modified Gram–Schmidt, twice, in float64); directions that
 * are (numerically) in the span of earlier ones are dropped.
 */
export function orthonormalRows(directions: ArrayLike<number>, d: number): { Q: Float64Array; m: number } {
  if (d < 1 || directions.length % d !== 0) throw new RangeError(`directions: ${directions.length} values are not rows of length ${d}`);
  const k = directions.length / d, Q = new Float64Array(k * d);
  let m = 0;
  for (let r = 0; r < k; r++) {
    const v = Q.subarray(m * d, (m + 1) * d);
    let n0 = 0;
    for (let j = 0; j < d; j++) n0 += (v[j] = directions[r * d + j]) ** 2;
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < m; q++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += Q[q * d + j] * v[j];
        for (let j = 0; j < d; j++) v[j] -= dot * Q[q * d + j];
      }
    }
    let n = 0;
    for (let j = 0; j < d; j++) n += v[j] * v[j];
    if (!(n > 1e-20 * n0) || n === 0) continue;
    const s = 1 / Math.sqrt(n);
    for (let j = 0; j < d; j++) v[j] *= s;
    m++;
  }
  return { Q: Q.slice(0, m * d), m };
}

/** The projector of a selection on an activation of width d (errors name the hook and the bad index). */
export function projectorOf(sel: Selection, d: number, hook: string): Projector {
  const selected = new Uint8Array(d);
  if ("all" in sel) return maskProjector(selected.fill(1), false);
  if ("neurons" in sel) {
    checkIndices("neuron", sel.neurons, d, hook, d);
    for (const j of sel.neurons) selected[j] = 1;
    return maskProjector(selected, sel.keep === true);
  }
  if ("heads" in sel) {
    const e = sel.dHead;
    if (!Number.isInteger(e) || e < 1 || d % e !== 0) throw new RangeError(`heads: d_head ${e} does not divide the width ${d} of hook "${hook}"`);
    checkIndices("head", sel.heads, d / e, hook, d);
    for (const h of sel.heads) selected.fill(1, h * e, (h + 1) * e);
    return maskProjector(selected, sel.keep === true);
  }
  const { Q, m } = orthonormalRows(sel.directions, d);
  return { kind: "span", Q, m, keep: sel.keep === true };
}

/** out = A v for one row (v and out may not alias). */
function applyA(A: Projector, v: ArrayLike<number>, out: Float64Array, d: number): void {
  if (A.kind === "mask") {
    out.fill(0);
    for (const j of A.cols) out[j] = v[j];
    return;
  }
  const { Q, m } = A;
  out.fill(0);
  for (let q = 0; q < m; q++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += Q[q * d + j] * v[j];
    for (let j = 0; j < d; j++) out[j] += dot * Q[q * d + j];
  }
  if (A.keep) for (let j = 0; j < d; j++) out[j] = v[j] - out[j];
}

/** How many units of width d a projector ablates (its rank). */
export function ablatedCount(sel: Selection, d: number, hook = "activation"): number {
  const A = projectorOf(sel, d, hook);
  return A.kind === "mask" ? A.cols.length : A.keep ? d - A.m : A.m;
}

/** The replacement r: per row (patch values), one fixed row (mean), the batch mean, or 0. */
type Replacement = { readonly kind: "zero" } | { readonly kind: "row"; readonly mu: ArrayLike<number> } | { readonly kind: "batch" } | { readonly kind: "values"; readonly values: ArrayLike<number> };

function ablate(sel: Selection, rep: Replacement, label: string): Intervention {
  const cache = new Map<number, Projector>();
  return (g: Graph, x: Var, hook: string): Var => {
    const n = rows(x), d = cols(x);
    let A = cache.get(d);
    if (!A) cache.set(d, (A = projectorOf(sel, d, hook)));
    const P = A;
    let r: ArrayLike<number> | null = null; // one row, or n rows for "values"
    if (rep.kind === "row") r = meanRow(rep.mu, sel, P, d, hook);
    if (rep.kind === "batch") r = batchMean(x.data, n, d);
    if (rep.kind === "values") {
      if (rep.values.length !== x.data.length) throw new RangeError(`patch: the values hold ${rep.values.length} numbers, hook "${hook}" has ${x.data.length} ([${x.shape.join(", ")}]): patch from a forward on the same inputs`);
      r = rep.values;
    }
    const out = g.buffer(label, x.data.length);
    const v = new Float64Array(d), Av = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const o = i * d, ro = rep.kind === "values" ? o : 0;
      for (let j = 0; j < d; j++) v[j] = x.data[o + j] - (r ? r[ro + j] : 0);
      applyA(P, v, Av, d);
      for (let j = 0; j < d; j++) out[o + j] = x.data[o + j] - Av[j];
    }
    return g.record(x.shape, out, [x], (G) => {
      const t = g.grad(x);
      if (!t) return;
      const sumAG = rep.kind === "batch" ? new Float64Array(d) : null;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        applyA(P, G.subarray(o, o + d), Av, d);
        for (let j = 0; j < d; j++) {
          const dx = G[o + j] - Av[j];
          if (sumAG) sumAG[j] += Av[j];
          if (t.accumulate) t.data[o + j] += dx;
          else t.data[o + j] = dx;
        }
      }
      if (sumAG) for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) t.data[i * d + j] += sumAG[j] / n;
    });
  };
}

function batchMean(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mu[j] /= Math.max(n, 1);
  return mu;
}

/** A mean given over the ablated mask units (in their order) or as a full row of d values. */
function meanRow(mu: ArrayLike<number>, sel: Selection, A: Projector, d: number, hook: string): ArrayLike<number> {
  if (mu.length === d) return mu;
  if (A.kind === "mask" && mu.length === A.cols.length) {
    const row = new Float64Array(d);
    A.cols.forEach((j, i) => (row[j] = mu[i]));
    return row;
  }
  const units = A.kind === "mask" ? ` or one per ablated unit (${A.cols.length})` : "";
  throw new RangeError(`mean: ${mu.length} values for the ${describe(sel)} of hook "${hook}": give ${d} (a full row)${units}`);
}

/** Sets the selected units to 0 (with `keep`: every unit but the selected). */
export function zeroAblation(sel: Selection): Intervention {
  return ablate(sel, { kind: "zero" }, "zero_ablation");
}

/**
 * Sets the selected units to their mean: `means` (a full row of d, or one value per ablated neuron / head column),
 * or, when omitted, the mean over the batch being evaluated. For directions, x's component in their span becomes
 * the mean's component.
 */
export function meanAblation(sel: Selection, means?: ArrayLike<number>): Intervention {
  return ablate(sel, means === undefined ? { kind: "batch" } : { kind: "row", mu: means }, "mean_ablation");
}

/**
 * Activation patching: the selected units take their values from `values`, the same hook's activation in another
 * forward on the same number of rows (another input, or another checkpoint on the same input: captureHooks).
 */
export function patch(values: ArrayLike<number>, sel: Selection): Intervention {
  return ablate(sel, { kind: "values", values }, "patch");
}

/** Anything with Model's forward (src/models/model.ts). */
export interface HookedForward<S> {
  forward(params: Params, split: S, opts?: ForwardOptions): { readonly cache: Readonly<Record<string, Float32Array>> };
}

/**
 * Runs a forward and copies the activations at the named hooks (all of them when `names` is omitted): the model's
 * buffers are reused by its next forward, so what patching reads must be copied first.
 */
export function captureHooks<S>(model: HookedForward<S>, params: Params, split: S, names?: readonly string[], opts?: ForwardOptions): Record<string, Float32Array> {
  const cache = model.forward(params, split, opts).cache;
  const out: Record<string, Float32Array> = {};
  for (const name of names ?? Object.keys(cache)) {
    const v = cache[name];
    if (!v) throw new RangeError(`captureHooks: the forward passed no hook "${name}" (it has ${Object.keys(cache).join(", ")})`);
    out[name] = v.slice();
  }
  return out;
}

/**
 * The hook points a forward passes, in order, with their activations' shapes: every name handed to Graph.hook (the
 * points an intervention can rewrite). A name the model only records (an alias written into `hooks`) is not among them.
 */
export function hookShapes<S>(model: HookedForward<S>, params: Params, split: S): Map<string, readonly number[]> {
  const seen = new Map<string, readonly number[]>();
  const record: Intervention = (_g, x, name) => {
    if (!seen.has(name)) seen.set(name, [...x.shape]);
    return x;
  };
  const recorder = new (class extends Map<string, Intervention> {
    override get(): Intervention {
      return record;
    }
  })();
  model.forward(params, split, { interventions: recorder });
  return seen;
}
