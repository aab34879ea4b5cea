/**
 * Per-unit Fourier views of a first-layer tensor over the p residues, for pictures that show the mechanism rather
 * than a number: each unit's spectrum, the units ordered by their dominant frequency, and the tensor in the Fourier
 * basis.
 *
 * A unit is a neuron of gromov's U [N, p] (a row: Gromov 2023, U[k, a] ≈ A cos(2πσ_k a/p + φ_k)) or an embedding
 * dimension of W_E [vocab, d] (a column over the first p rows). Its spectrum is the one-sided power (fourier.ts
 * rfftPower) at k = 1 … ⌊p/2⌋ as a share of its non-constant power; its dominant frequency is the largest share,
 * its phase that bin's argument. Sorting by (frequency, phase) puts units with the same wave side by side, so a
 * grokked layer shows bands where the unsorted one shows speckle.
 *
 * Fourier basis (Nanda et al. 2023, "Progress measures for grokking via mechanistic interpretability", Fig. 3):
 * the orthonormal basis of R^p whose rows are the constant 1/√p, then √(2/p)·cos(2πka/p) and √(2/p)·sin(2πka/p)
 * for k = 1 … ⌊(p−1)/2⌋ (and cos(πa)/√p for an even p). W_E[:p] in that basis is B · W_E[:p] [p, d]: sparse in a few
 * cos/sin row pairs once the embedding uses a few key frequencies. Row norms of an orthonormal change of basis keep
 * the total: Σ_rows ‖(B W)_r‖² = ‖W[:p]‖².
 */
import { rfftPower } from "./fourier.js";

/** A 2-D tensor's shape and values (float32 parameters, or float64 read back from a checkpoint). */
export interface Matrix2 {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** The units of `t` over its p-residue axis (`inputAxis`), with each unit's spectrum and the frequency order. */
export interface UnitSpectra {
  /** How many units: rows of U (axis 1) or columns of W_E (axis 0). */
  readonly units: number;
  /** ⌊p/2⌋: the frequencies 1 … J. */
  readonly J: number;
  /** [units, J]: column k − 1 is frequency k's share of the unit's non-constant power (0 for a constant unit). */
  readonly share: Float64Array;
  /** Each unit's dominant frequency 1 … J (0 for a unit with no non-constant power). */
  readonly peak: Int32Array;
  /** Units ordered by dominant frequency, then by that frequency's phase. */
  readonly order: Int32Array;
}

function check(t: Pick<Matrix2, "shape">, p: number, inputAxis: 0 | 1, what: string): void {
  if (t.shape.length !== 2) throw new RangeError(`${what}: expected a 2-D tensor, got shape [${t.shape.join(", ")}]`);
  const len = t.shape[inputAxis];
  if (!Number.isInteger(p) || p < 3 || p > len) throw new RangeError(`${what}: p = ${p} must be an integer in [3, ${len}] (the input axis length)`);
}

/** Spectra, dominant frequencies and frequency order of every unit of a 2-D tensor (see the file comment). */
export function unitSpectra(t: Matrix2, p: number, inputAxis: 0 | 1): UnitSpectra {
  check(t, p, inputAxis, "unitSpectra");
  const [rows, cols] = t.shape;
  const units = inputAxis === 1 ? rows : cols, J = p >> 1;
  const share = new Float64Array(units * J), peak = new Int32Array(units), phase = new Float64Array(units);
  const buf = new Float64Array(J + 1);
  for (let u = 0; u < units; u++) {
    const offset = inputAxis === 1 ? u * cols : u, stride = inputAxis === 1 ? 1 : cols;
    rfftPower(t.data, p, offset, stride, buf);
    let total = 0, best = 0;
    for (let k = 1; k <= J; k++) {
      total += buf[k];
      if (buf[k] > (best === 0 ? 0 : buf[best])) best = k;
    }
    for (let k = 1; k <= J; k++) share[u * J + k - 1] = total > 0 ? buf[k] / total : 0;
    peak[u] = best;
    if (best > 0) {
      let re = 0, im = 0;
      for (let a = 0; a < p; a++) {
        const w = (2 * Math.PI * ((best * a) % p)) / p, v = t.data[offset + a * stride];
        re += v * Math.cos(w);
        im -= v * Math.sin(w);
      }
      phase[u] = Math.atan2(im, re);
    }
  }
  const order = Int32Array.from({ length: units }, (_, u) => u).sort((a, b) => peak[a] - peak[b] || phase[a] - phase[b]);
  return { units, J, share, peak, order };
}

/** Mean over units of their dominant frequency's share: 1 when every unit is one wave, ≈ 4/J-ish for noise. */
export function meanPeakShare(s: UnitSpectra): number {
  let sum = 0;
  for (let u = 0; u < s.units; u++) sum += s.peak[u] > 0 ? s.share[u * s.J + s.peak[u] - 1] : 0;
  return s.units > 0 ? sum / s.units : NaN;
}

/** Names of the Fourier basis rows: "const", "cos 1", "sin 1", …, and "cos p/2" for an even p. */
export function fourierBasisLabels(p: number): string[] {
  const out = ["const"];
  for (let k = 1; k <= (p - 1) >> 1; k++) out.push(`cos ${k}`, `sin ${k}`);
  if (p % 2 === 0) out.push(`cos ${p / 2}`);
  return out;
}

/** The orthonormal Fourier basis B [p, p] (rows in `fourierBasisLabels` order). */
export function fourierBasis(p: number): Float64Array {
  const B = new Float64Array(p * p);
  const put = (r: number, f: (a: number) => number, scale: number) => {
    for (let a = 0; a < p; a++) B[r * p + a] = scale * f(a);
  };
  put(0, () => 1, 1 / Math.sqrt(p));
  let r = 1;
  for (let k = 1; k <= (p - 1) >> 1; k++) {
    put(r++, (a) => Math.cos((2 * Math.PI * ((k * a) % p)) / p), Math.sqrt(2 / p));
    put(r++, (a) => Math.sin((2 * Math.PI * ((k * a) % p)) / p), Math.sqrt(2 / p));
  }
  if (p % 2 === 0) put(r, (a) => (a % 2 === 0 ? 1 : -1), 1 / Math.sqrt(p));
  return B;
}

/**
 * The tensor's p-residue axis in the Fourier basis: B · W[:p] [p, units] for W_E [vocab, d] (axis 0), or
 * (U[:, :p] · Bᵀ)ᵀ [p, units] for U [N, p] (axis 1) — either way a row per basis vector, a column per unit — with
 * each row's norm.
 */
export function inFourierBasis(t: Matrix2, p: number, inputAxis: 0 | 1): { rows: number; cols: number; data: Float64Array; norms: Float64Array } {
  check(t, p, inputAxis, "inFourierBasis");
  const [rows, cols] = t.shape;
  const units = inputAxis === 1 ? rows : cols;
  const at = (a: number, u: number): number => (inputAxis === 1 ? t.data[u * cols + a] : t.data[a * cols + u]);
  const B = fourierBasis(p), data = new Float64Array(p * units), norms = new Float64Array(p);
  for (let r = 0; r < p; r++) {
    let sq = 0;
    for (let u = 0; u < units; u++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += B[r * p + a] * at(a, u);
      data[r * units + u] = s;
      sq += s * s;
    }
    norms[r] = Math.sqrt(sq);
  }
  return { rows: p, cols: units, data, norms };
}
