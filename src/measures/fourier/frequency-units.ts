/**
 * Frequency selections for interventions (src/autograd/interventions.ts) on modular-arithmetic networks.
 *
 * Transformer (Nanda et al. 2023, "Progress measures for grokking via mechanistic interpretability", §4): the
 * embedding W_E [vocab, d] is sparse in the Fourier basis over the token axis, so for a frequency f the directions
 *   c_f = Σ_{a<p} cos(2πfa/p) W_E[a, :],   s_f = Σ_{a<p} sin(2πfa/p) W_E[a, :]      (∈ R^d)
 * are where the residual stream carries cos(ω_f a) and sin(ω_f a), ω_f = 2πf/p; ablating their span at the
 * embedding removes the frequency from the model's input. Key frequencies: those of the embedding's spectrum
 * (fourier-circuit.ts keyFrequencies, S_f ≥ τ · max S).
 *
 * Gromov (2023, "Grokking modular arithmetic", eq. 2): neuron k of W·(U e_a + V e_b)² learns
 * U[k, a] ≈ A cos(2πσ_k a/p + φ_k) (and V alike), so its frequency σ_k is the strongest non-DC bin of the one-sided
 * power spectra of U[k, :] plus V[k, :] (fourier.ts rfftPower).
 */
import type { Tensor } from "../../tensor/tensor.js";
import { frequencyPower, keyFrequencies } from "./fourier-circuit.js";
import { rfftPower } from "./fourier.js";

function checkFrequencies(freqs: readonly number[], p: number): void {
  const top = p >> 1;
  for (const f of freqs) if (!Number.isInteger(f) || f < 1 || f > top) throw new RangeError(`frequency ${f} is out of range: frequencies of p = ${p} are 1 … ${top}`);
}

/** [2|F|, d] rows c_f, s_f for each f of `freqs` (the first p rows of W_E [vocab, d] are the residues). */
export function embeddingFourierDirections(WE: Tensor, p: number, freqs: readonly number[]): Float32Array {
  const [vocab, d] = WE.shape;
  if (WE.shape.length !== 2 || vocab < p) throw new RangeError(`embedding directions: W_E has shape [${WE.shape.join(", ")}], it needs ≥ p = ${p} rows`);
  checkFrequencies(freqs, p);
  const out = new Float32Array(2 * freqs.length * d);
  freqs.forEach((f, i) => {
    const c = new Float64Array(d), s = new Float64Array(d);
    for (let a = 0; a < p; a++) {
      const w = (2 * Math.PI * ((f * a) % p)) / p, ca = Math.cos(w), sa = Math.sin(w);
      for (let j = 0; j < d; j++) {
        c[j] += ca * WE.data[a * d + j];
        s[j] += sa * WE.data[a * d + j];
      }
    }
    out.set(c, 2 * i * d);
    out.set(s, (2 * i + 1) * d);
  });
  return out;
}

/** The key frequencies of the embedding W_E [vocab, d], strongest first (threshold τ as fourier/key_frequencies). */
export function embeddingKeyFrequencies(WE: Tensor, p: number, threshold = 0.1, maxKeys?: number): number[] {
  return keyFrequencies(frequencyPower(WE, p, 0), threshold).slice(0, maxKeys);
}

/** σ_k of every neuron of U, V [N, ≥p]: argmax over f = 1 … ⌊p/2⌋ of |FFT U[k]|² + |FFT V[k]|² (0 for a dead neuron). */
export function neuronFrequencies(U: Tensor, V: Tensor, p: number): Int32Array {
  const [N, cols] = U.shape;
  if (V.shape[0] !== N || V.shape[1] !== cols || cols < p) throw new RangeError(`neuron frequencies: U [${U.shape.join(", ")}] and V [${V.shape.join(", ")}] must be [N, ≥ p = ${p}]`);
  const J = (p >> 1) + 1, pu = new Float64Array(J), pv = new Float64Array(J), out = new Int32Array(N);
  for (let k = 0; k < N; k++) {
    rfftPower(U.data, p, k * cols, 1, pu);
    rfftPower(V.data, p, k * cols, 1, pv);
    let best = 0, bestPower = 0;
    for (let f = 1; f < J; f++) if (pu[f] + pv[f] > bestPower) [best, bestPower] = [f, pu[f] + pv[f]];
    out[k] = best;
  }
  return out;
}

/** Neurons whose frequency is one of `freqs`, ascending. */
export function neuronsOfFrequencies(frequencies: Int32Array, freqs: readonly number[]): number[] {
  const want = new Set(freqs);
  const out: number[] = [];
  frequencies.forEach((f, k) => want.has(f) && out.push(k));
  return out;
}

/** Neuron count per frequency f ≥ 1, largest first: [frequency, neurons][]. */
export function frequencyCounts(frequencies: Int32Array): Array<[number, number]> {
  const counts = new Map<number, number>();
  for (const f of frequencies) if (f > 0) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}
