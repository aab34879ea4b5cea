import { fold, randint, uniform, type Key } from "../tensor/rng.js";
import type { Params } from "../tensor/tensor.js";

/**
 * Hand-built weights that solve modular addition without training, in the layouts of the trained models, so the
 * same forward, measures and plots apply to them.
 */

export interface GromovConstructionOptions {
  readonly p: number; // modulus (= vocab = classes)
  readonly width: number; // N
  /** W uses +φ1 + φ2 instead of −φ1 − φ2: the net then peaks at −(a + b), right only when 2(a + b) ≡ 0 (≈ 1/p). */
  readonly flipOutputPhase?: boolean;
  /** Buffer allocator (a backend's `alloc`); plain Float32Arrays by default. */
  readonly alloc?: (length: number) => Float32Array;
}

/**
 * Gromov (2023) "Grokking modular arithmetic", eq. (8)–(9), for the quadratic net logits = W (U e_a + V e_b)²:
 *   U[k, n] = A cos(2πσ_k n/p + φ1_k)   V[k, m] = A cos(2πσ_k m/p + φ2_k)   W[q, k] = A cos(−2πσ_k q/p − φ1_k − φ2_k)
 *   A = (2/N)^{1/3}, σ_k uniform in 1..p−1, φ1_k, φ2_k uniform in [0, 2π), drawn from fold(key, "sigma" | "phi1" | "phi2").
 * Expanding the square, the cross term 2 A² cos(x) cos(y) = A²[cos(x + y) + cos(x − y)] times W sums over k to
 * (A³/2) Σ_k cos(2πσ_k (a + b − q)/p) + terms with random phases: N/2 · A³ = 1 at q = a + b, O(√N · A³) elsewhere.
 * Layout of createGromov: U [N, p], V [N, p], W [p, N].
 */
export function gromovConstruction(opts: GromovConstructionOptions, key: Key): Params {
  const { p, width: N, flipOutputPhase = false, alloc = (n: number) => new Float32Array(n) } = opts;
  if (!Number.isInteger(p) || p < 2) throw new Error(`gromov construction: p must be an integer ≥ 2, got ${p}`);
  if (!Number.isInteger(N) || N < 1) throw new Error(`gromov construction: width must be an integer ≥ 1, got ${N}`);
  const A = Math.cbrt(2 / N);
  const kSigma = fold(key, "sigma"), kPhi1 = fold(key, "phi1"), kPhi2 = fold(key, "phi2");
  const U = alloc(N * p), V = alloc(N * p), W = alloc(p * N);
  const sign = flipOutputPhase ? 1 : -1;
  for (let k = 0; k < N; k++) {
    const sigma = 1 + randint(kSigma, k, p - 1);
    const phi1 = 2 * Math.PI * uniform(kPhi1, k), phi2 = 2 * Math.PI * uniform(kPhi2, k);
    const w = (2 * Math.PI * sigma) / p;
    for (let n = 0; n < p; n++) {
      U[k * p + n] = A * Math.cos(w * n + phi1);
      V[k * p + n] = A * Math.cos(w * n + phi2);
    }
    for (let q = 0; q < p; q++) W[q * N + k] = A * Math.cos(-w * q + sign * (phi1 + phi2));
  }
  return { U: { shape: [N, p], data: U }, V: { shape: [N, p], data: V }, W: { shape: [p, N], data: W } };
}

export interface FiveNeuronCircleOptions {
  /** Number of neurons K (default 5). Evenly spaced ReLU neurons work for odd K ≥ 5, see below. */
  readonly neurons?: number;
  /** Angle of neuron 0's input direction, radians (default 0). */
  readonly rotation?: number;
  /** ‖W_in[:, k]‖ and ‖W_out[k, :]‖ (default 1). Accuracy does not depend on it; the cross-entropy does. */
  readonly norm?: number;
  readonly alloc?: (length: number) => Float32Array;
}

/**
 * The ideal solution of the PAIR five-neuron model (docs/reproductions.md R4): neuron k's input direction at angle
 * α_k = rotation + 2πk/K, its output direction at 2α_k (the output turns twice as fast), all norms equal.
 * Why it works: with θ_a = 2πa/M the embedded pair sums to E[a] + E[b] ∝ cos((θ_a − θ_b)/2) · (cos φ, sin φ),
 * φ = (θ_a + θ_b)/2, so neuron k fires as relu(cos(φ − α_k)) (times a common factor; a negative cos((θ_a − θ_b)/2)
 * shifts φ by π, which 2φ does not see). The output Σ_k relu(cos(φ − α_k)) e^{2iα_k} keeps only the Fourier
 * harmonics n ≡ 2 (mod K) of relu(cos); relu(cos x) = ½cos x + ½|cos x| has no odd harmonic but ±1 and even
 * harmonics 4(−1)^{m+1}/(π(4m² − 1)) at n = 2m. For K = 5 the survivors are n = 2 (→ e^{2iφ}, the answer angle
 * θ_a + θ_b) and n = −8, 12, … of relative size 3/63, 3/143, …, which bend the output angle by at most 1.52°
 * (maximized numerically over φ), under half the class spacing 180°/M for every M ≤ 118: 100% accuracy on all
 * pairs. K = 7 bends it by 0.52°. K = 3, 4 and 6 fail for large M: n = −1, −2 or −4 survive.
 * Layout of createFiveNeuron: W_in [2, K], W_out [K, 2].
 */
export function fiveNeuronCircle(opts: FiveNeuronCircleOptions = {}): Params {
  const { neurons: K = 5, rotation = 0, norm = 1, alloc = (n: number) => new Float32Array(n) } = opts;
  if (!Number.isInteger(K) || K < 1) throw new Error(`five-neuron construction: neurons must be an integer ≥ 1, got ${K}`);
  const Win = alloc(2 * K), Wout = alloc(2 * K);
  for (let k = 0; k < K; k++) {
    const alpha = rotation + (2 * Math.PI * k) / K;
    Win[k] = norm * Math.cos(alpha);
    Win[K + k] = norm * Math.sin(alpha);
    Wout[2 * k] = norm * Math.cos(2 * alpha);
    Wout[2 * k + 1] = norm * Math.sin(2 * alpha);
  }
  return { W_in: { shape: [2, K], data: Win }, W_out: { shape: [K, 2], data: Wout } };
}
