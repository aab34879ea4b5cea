/**
 * Fourier localization of first-layer neurons. A network that solved modular addition by Gromov (2023)'s
 * construction has input weights U[k, n] = A cos(2πσ_k n / p + φ_k): each neuron's weights over the p inputs are
 * one frequency. Doshi et al. (2024, "To grok or not to grok") measure this with the inverse participation ratio of
 * the neuron's discrete Fourier transform F:
 *   IPR_r = (‖F‖_2r / ‖F‖_2)^2r = Σ_j |F_j|^2r / (Σ_j |F_j|²)^r = Σ_j P̃_j^r,   P̃_j = |F_j|² / Σ_i |F_i|²,
 * so the normalized amplitudes |F|/‖F‖₂ raised to 2r and the normalized power raised to r are the same number.
 * What matters is which frequencies are summed. We take the one-sided real spectrum j = 0 … ⌊p/2⌋ (rfft): the
 * conjugate bin p − j repeats j for a real row, and on the full two-sided spectrum a pure cosine would score 1/2.
 * At init (i.i.d. Gaussian rows) P̃ is Dirichlet(½, 1, …, 1) — ½ for the real DC bin, 1 for each complex bin
 * (and ½ for the Nyquist bin when p is even) — so E[IPR₂] = Σ α_j(α_j + 1) / (α₀(α₀ + 1)), α₀ = Σ α_j:
 * p = 97 gives 96.75 / (48.5 · 49.5) = 0.0403 one-sided, against 0.0203 two-sided. The reference run's 0.04 at init
 * (and a pure cosine's IPR of 1) identify the one-sided definition.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { paramOf, type Measure } from "../measure.js";

/**
 * cos and sin of 2πjn/p for j = 0 … ⌊p/2⌋ and n = 0 … p − 1, as [J, p] tables: cos(2π((j·n) mod p)/p), the same
 * float64 values a table of the p angles 2πm/p gives, read in order.
 */
function twiddles(p: number): { c: Float64Array; s: Float64Array } {
  const J = (p >> 1) + 1;
  const cm = new Float64Array(p), sm = new Float64Array(p);
  for (let m = 0; m < p; m++) {
    cm[m] = Math.cos((2 * Math.PI * m) / p);
    sm[m] = Math.sin((2 * Math.PI * m) / p);
  }
  const c = new Float64Array(J * p), s = new Float64Array(J * p);
  for (let j = 0; j < J; j++) {
    for (let n = 0, m = 0; n < p; n++, m = (m + j) % p) {
      c[j * p + n] = cm[m];
      s[j * p + n] = sm[m];
    }
  }
  return { c, s };
}

const tables = new Map<number, { c: Float64Array; s: Float64Array }>();
function twiddlesFor(p: number): { c: Float64Array; s: Float64Array } {
  let t = tables.get(p);
  if (!t) {
    t = twiddles(p);
    tables.set(p, t);
  }
  return t;
}

/**
 * One-sided power spectrum of x[offset + n·stride], n = 0 … p − 1: out[j] = |Σ_n x_n e^{−2πijn/p}|², j = 0 … ⌊p/2⌋.
 * A direct O(p²) DFT in float64 (p is at most a few hundred here), each sum over n in order; four frequencies share
 * one pass over x, so eight independent sums run side by side instead of two (measures run at every evaluation).
 */
export function rfftPower(x: ArrayLike<number>, p: number, offset = 0, stride = 1, out = new Float64Array((p >> 1) + 1)): Float64Array {
  const { c, s } = twiddlesFor(p);
  const J = (p >> 1) + 1;
  if (out.length !== J) throw new Error(`rfftPower: out has length ${out.length}, expected ⌊p/2⌋ + 1 = ${J}`);
  let j = 0;
  for (; j + 4 <= J; j += 4) {
    const b0 = j * p, b1 = b0 + p, b2 = b1 + p, b3 = b2 + p;
    let r0 = 0, i0 = 0, r1 = 0, i1 = 0, r2 = 0, i2 = 0, r3 = 0, i3 = 0;
    for (let n = 0; n < p; n++) {
      const v = x[offset + n * stride];
      r0 += v * c[b0 + n];
      i0 -= v * s[b0 + n];
      r1 += v * c[b1 + n];
      i1 -= v * s[b1 + n];
      r2 += v * c[b2 + n];
      i2 -= v * s[b2 + n];
      r3 += v * c[b3 + n];
      i3 -= v * s[b3 + n];
    }
    out[j] = r0 * r0 + i0 * i0;
    out[j + 1] = r1 * r1 + i1 * i1;
    out[j + 2] = r2 * r2 + i2 * i2;
    out[j + 3] = r3 * r3 + i3 * i3;
  }
  for (; j < J; j++) {
    const b = j * p;
    let re = 0, im = 0;
    for (let n = 0; n < p; n++) {
      const v = x[offset + n * stride];
      re += v * c[b + n];
      im -= v * s[b + n];
    }
    out[j] = re * re + im * im;
  }
  return out;
}

/** Σ_j (P_j / Σ_i P_i)^r: 1 when all power is in one bin, 1/m when it is spread evenly over m bins; NaN if P ≡ 0. */
export function iprFromPower(power: ArrayLike<number>, r = 2): number {
  let total = 0;
  for (let j = 0; j < power.length; j++) total += power[j];
  if (!(total > 0)) return NaN;
  let s = 0;
  for (let j = 0; j < power.length; j++) s += Math.pow(power[j] / total, r);
  return s;
}

export interface NeuronIprOptions {
  /** The tensor axis that runs over the p inputs: 1 for U [N, p] (rows are neurons), 0 for W_E [p, d]. Default 1. */
  readonly inputAxis?: 0 | 1;
  /** Number of inputs to transform (the modulus); default the axis length. Entries past p (an "=" token) are ignored. */
  readonly p?: number;
  /** IPR exponent r; default 2. */
  readonly r?: number;
}

/** IPR_r of every neuron of a 2-D weight tensor: Float64Array [neurons]. */
export function neuronIprs(t: Tensor, opts: NeuronIprOptions = {}): Float64Array {
  if (t.shape.length !== 2) throw new Error(`neuronIprs: expected a 2-D tensor, got shape [${t.shape.join(", ")}]`);
  const axis = opts.inputAxis ?? 1, r = opts.r ?? 2;
  const [rows, cols] = t.shape;
  const len = axis === 1 ? cols : rows, neurons = axis === 1 ? rows : cols;
  const p = opts.p ?? len;
  if (!Number.isInteger(p) || p < 2 || p > len) throw new Error(`neuronIprs: p = ${p} must be an integer in [2, ${len}] (the input axis length)`);
  const power = new Float64Array((p >> 1) + 1);
  const out = new Float64Array(neurons);
  for (let k = 0; k < neurons; k++) {
    if (axis === 1) rfftPower(t.data, p, k * cols, 1, power);
    else rfftPower(t.data, p, k, cols, power);
    out[k] = iprFromPower(power, r);
  }
  return out;
}

/** Mean over neurons, skipping all-zero neurons (their IPR is undefined); NaN if every neuron is zero. */
export function meanNeuronIpr(t: Tensor, opts: NeuronIprOptions = {}): number {
  const iprs = neuronIprs(t, opts);
  let s = 0, n = 0;
  for (const v of iprs) if (!Number.isNaN(v)) { s += v; n++; }
  return n > 0 ? s / n : NaN;
}

export interface FourierIprOptions {
  /** First-layer tensors to measure, e.g. ["U"] (Gromov), ["U", "V"] to average both operands, ["W_E"]. Default ["U"]. */
  readonly tensors?: readonly string[];
  readonly inputAxis?: 0 | 1;
  readonly r?: number;
}

/**
 * `fourier/ipr`: the mean neuron IPR (r = 2 unless set) of the named tensors, averaged over them, with
 * `fourier/ipr/<tensor>` for each when there are several. p is the task's modulus (`data.meta.p`) when it has one.
 */
export function fourierIpr(options: FourierIprOptions = {}): Measure {
  const names = options.tensors ?? ["U"];
  if (names.length === 0) throw new Error(`measure "fourier/ipr": tensors must name at least one tensor`);
  return (ctx) => {
    const meta = ctx.data.meta.p;
    const p = typeof meta === "number" ? meta : undefined;
    const per: Record<string, number> = {};
    let sum = 0;
    for (const name of names) {
      const v = meanNeuronIpr(paramOf(ctx, "fourier/ipr", name), { inputAxis: options.inputAxis, p, r: options.r });
      per[`fourier/ipr/${name}`] = v;
      sum += v;
    }
    return names.length === 1 ? sum : { "fourier/ipr": sum / names.length, ...per };
  };
}
