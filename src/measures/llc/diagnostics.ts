/**
 * Has an SGLD estimate of the LLC settled? Read from the chains' loss traces ([chains][draws], the loss at each draw):
 *
 * - split-R̂ (Gelman et al. 2013, *Bayesian Data Analysis* 3rd ed., §11.4; Vehtari et al. 2021, "Rank-normalization,
 *   folding, and localization: an improved R̂"): each chain is cut into halves and R̂ = √(var⁺/W) compares the
 *   variance between the 2C half-chains with the variance within them. A trace still rising toward equilibrium has
 *   halves that disagree, and chains stuck in different places disagree with each other; both push R̂ above 1.
 * - drift, per chain (after Geweke 1992, with the middle and last thirds instead of his first 10% and last 50%, so
 *   that a short burn-in does not count against a chain that has since settled): the difference between the mean
 *   loss of the last third and of the middle third in units of its standard error, the variances scaled by the
 *   autocorrelation time (Geyer's initial monotone sequence, 1992, on the within-chain autocovariances pooled over
 *   chains), so correlated draws are not over-counted.
 * - level: λ̂ more than LEVEL_SE standard errors (over chains) from 0. Minibatch noise can hide the slow rise of a
 *   chain whose ε is too small from both tests above; then λ̂ sits near 0.
 * - below_init (reported, not a test): the share of draws below L(w*), devinterp's `loss/percent_neg_steps`; large
 *   where w* is not a local minimum and SGLD keeps training.
 *
 * `settled` when all three pass (and a chain has ≥ MIN_DRAWS draws). devinterp checks by eye that the loss traces
 * flatten out (its calibration notebooks) and reports no number; R̂ and a Geweke-style z are the standard MCMC ones.
 * All are unchanged by an affine map of the loss, so they hold as well for the per-draw λ̂ = nβ(L − L(w*)).
 */

/** R̂ above this: not settled. Gelman et al.'s 1.1; Vehtari et al. (2021) recommend 1.01 for final inferences. */
export const RHAT_MAX = 1.1;
/**
 * |drift z| above this, for any chain: not settled. A 3.5σ move between the middle and last thirds has p ≈ 5e-4 per
 * stationary chain; measured on AR(1) chains, 0.2% of 4-chain sets with ~50 effective draws per chain are flagged,
 * 2.5% of 10-chain sets with ~20 (τ is underestimated in short chains).
 */
export const DRIFT_MAX = 3.5;
/**
 * |λ̂| within this many standard errors (over chains) of 0: not settled. The chains' loss has not measurably risen
 * above L(w*), as with an ε so small that minibatch noise hides the rise (no trend test can see it there).
 */
export const LEVEL_SE = 2;
/** Fewer draws than this per chain: too short to judge (each third needs two draws). */
export const MIN_DRAWS = 6;

export interface LlcDiagnostics {
  /** Split-R̂ of the loss traces over 2·chains half-chains (1 = agree; NaN below MIN_DRAWS draws). */
  readonly rhat: number;
  /** Effective sample size of all draws together (Vehtari et al. 2021's multi-chain estimate, not rank-normalized). */
  readonly ess: number;
  /** Per chain: (mean of the last third − mean of the middle third) / its standard error. */
  readonly drift: readonly number[];
  /** Share of all draws whose loss is below L(w*). */
  readonly belowInit: number;
  readonly settled: boolean;
  /** Why not settled, one clause each ([] when settled). */
  readonly reasons: readonly string[];
}

function mean(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return s / (to - from);
}

/** Sample variance (n − 1) of x[from, to). */
function variance(x: ArrayLike<number>, from = 0, to = x.length): number {
  const m = mean(x, from, to);
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] - m) ** 2;
  return s / (to - from - 1);
}

/**
 * The chains' autocovariances at lag k — each chain's first n draws about their mean, summed over i and divided by n
 * (the biased estimate Geyer uses) — and their sum over chains in chain order, computed once per lag: essChains and
 * pooledTau read the same sums, and each lag costs n products per chain (long, slowly mixing chains need many lags).
 * Lags go four at a time, one pass over the chain with four sums side by side (each still adds its terms in order):
 * a single running sum waits on its own adds.
 */
class ChainAutocov {
  readonly n: number;
  readonly means: number[];
  private readonly centred: Float64Array[];
  private readonly sums: number[] = [];
  private readonly firsts: number[] = [];

  constructor(traces: readonly ArrayLike<number>[]) {
    const n = Math.min(...traces.map((t) => t.length));
    this.n = n;
    this.means = traces.map((t) => mean(t, 0, n));
    this.centred = traces.map((t, c) => {
      const d = new Float64Array(n), m = this.means[c];
      for (let i = 0; i < n; i++) d[i] = t[i] - m;
      return d;
    });
  }

  /** Chain c's autocovariances at lags k … k + 3 into out[0..4) (lags ≥ n: 0). */
  private lags4(c: number, k: number, out: Float64Array): void {
    const d = this.centred[c], n = this.n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
    for (; i + k + 3 < n; i++) {
      const x = d[i];
      s0 += x * d[i + k];
      s1 += x * d[i + k + 1];
      s2 += x * d[i + k + 2];
      s3 += x * d[i + k + 3];
    }
    for (; i + k + 2 < n; i++) (s0 += d[i] * d[i + k]), (s1 += d[i] * d[i + k + 1]), (s2 += d[i] * d[i + k + 2]);
    for (; i + k + 1 < n; i++) (s0 += d[i] * d[i + k]), (s1 += d[i] * d[i + k + 1]);
    for (; i + k < n; i++) s0 += d[i] * d[i + k];
    out[0] = s0 / n;
    out[1] = s1 / n;
    out[2] = s2 / n;
    out[3] = s3 / n;
  }

  /** Σ over chains (in order) of their autocovariances at lag k. */
  sum(k: number): number {
    if (this.sums[k] === undefined) {
      const k0 = k - (k % 4), block = new Float64Array(4), total = [0, 0, 0, 0];
      for (let c = 0; c < this.centred.length; c++) {
        this.lags4(c, k0, block);
        for (let j = 0; j < 4; j++) total[j] += block[j];
        if (k0 === 0) this.firsts[c] = block[0];
      }
      for (let j = 0; j < 4; j++) this.sums[k0 + j] = total[j];
    }
    return this.sums[k];
  }

  /** Chain c's variance about its mean over n (its autocovariance at lag 0). */
  first(c: number): number {
    if (this.firsts[c] === undefined) this.sum(0);
    return this.firsts[c];
  }
}

/**
 * τ = 1 + 2 Σ ρ_t, truncated by Geyer's initial monotone sequence: pair sums Γ_j = ρ_{2j} + ρ_{2j+1} are added while
 * positive, each capped by the one before. `rho(t)` gives the autocorrelation at lag t for t < n.
 */
function integratedTime(rho: (t: number) => number, n: number): number {
  let sum = 0, prev = Infinity;
  for (let j = 0; 2 * j + 1 < n; j++) {
    let g = rho(2 * j) + rho(2 * j + 1);
    if (!(g > 0)) break;
    if (g > prev) g = prev;
    sum += g;
    prev = g;
  }
  return 2 * sum - 1; // Σ_j Γ_j counts ρ_0 = 1 once
}

/** n / τ, at most n (an antithetic sequence, τ < 1, is not credited with more draws than it has). */
function essOf(n: number, tau: number): number {
  return tau > 1 ? n / tau : n;
}

/**
 * Effective sample size of C chains of n draws together (Vehtari et al. 2021, eqs. 9–10): ρ_t = 1 − (W − mean of
 * the chains' autocovariances at t) / var⁺, then Geyer's truncation. C·n when every draw is constant.
 */
export function essChains(traces: readonly ArrayLike<number>[]): number {
  return essOfChains(new ChainAutocov(traces));
}

function essOfChains(ac: ChainAutocov): number {
  const C = ac.means.length, n = ac.n;
  if (n < 4) return C * n;
  const means = ac.means;
  const c0 = means.map((_, c) => ac.first(c));
  const W = (mean(c0) * n) / (n - 1);
  const grand = mean(means);
  const B = C > 1 ? (n * means.reduce((a, m) => a + (m - grand) ** 2, 0)) / (C - 1) : 0;
  const varPlus = ((n - 1) / n) * W + B / n;
  if (!(varPlus > 0)) return C * n;
  return essOf(C * n, integratedTime((t) => 1 - (W - ac.sum(t) / C) / varPlus, n));
}

/** Split-R̂ (BDA3 §11.4): chains cut into halves (the middle draw of an odd length dropped). */
export function splitRhat(traces: readonly ArrayLike<number>[]): number {
  const T = Math.min(...traces.map((t) => t.length)), h = Math.floor(T / 2);
  if (h < 2) return NaN;
  const halves: [ArrayLike<number>, number][] = traces.flatMap((t): [ArrayLike<number>, number][] => [[t, 0], [t, T - h]]);
  const M = halves.length;
  const means = halves.map(([t, s]) => mean(t, s, s + h));
  const W = mean(halves.map(([t, s]) => variance(t, s, s + h)));
  const grand = mean(means);
  const B = (h * means.reduce((a, m) => a + (m - grand) ** 2, 0)) / (M - 1);
  const varPlus = ((h - 1) / h) * W + B / h;
  if (W > 0) return Math.sqrt(varPlus / W);
  return B > 0 ? Infinity : 1; // constant halves: equal (settled) or not
}

/**
 * The autocorrelation time of the chains' draws, from their autocovariances averaged over chains, each chain about
 * its own mean: one chain's third alone is too short to estimate it (its ESS comes out too large and z too wide).
 */
export function pooledTau(traces: readonly ArrayLike<number>[]): number {
  return pooledTauOf(new ChainAutocov(traces));
}

function pooledTauOf(ac: ChainAutocov): number {
  const n = ac.n;
  if (n < 4) return 1;
  const c0 = ac.sum(0);
  return c0 > 0 ? Math.max(1, integratedTime((k) => ac.sum(k) / c0, n)) : 1;
}

/**
 * Drift z of one chain: the mean of its last third minus that of its middle third, over the standard error of the
 * difference, each third's variance times the autocorrelation time `tau` (default: the chain's own) over its length.
 */
export function driftZ(trace: ArrayLike<number>, tau = pooledTau([trace])): number {
  const T = trace.length, a = Math.floor(T / 3), b = T - Math.floor(T / 3);
  if (a < 2) return NaN;
  const mMid = mean(trace, a, b), mLast = mean(trace, b, T);
  const se2 = (variance(trace, a, b) * tau) / (b - a) + (variance(trace, b, T) * tau) / (T - b);
  const d = mLast - mMid;
  if (se2 > 0) return d / Math.sqrt(se2);
  return d === 0 ? 0 : d * Infinity;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/** The diagnostics of one estimate from its loss traces [chains][draws] and L(w*). */
export function diagnoseTraces(traces: readonly ArrayLike<number>[], initLoss: number): LlcDiagnostics {
  const T = Math.min(...traces.map((t) => t.length));
  const rhat = splitRhat(traces);
  const ac = new ChainAutocov(traces);
  const tau = pooledTauOf(ac);
  const drift = traces.map((t) => driftZ(t, tau));
  let below = 0, total = 0;
  for (const t of traces) for (let i = 0; i < t.length; i++, total++) if (t[i] < initLoss) below++;
  const reasons: string[] = [];
  // λ̂ per chain up to the factor nβ: the chains' mean excess loss and its standard error
  const excess = traces.map((t) => mean(t) - initLoss), C = excess.length;
  const m = mean(excess), se = C > 1 ? Math.sqrt(variance(excess) / C) : NaN;
  if (T < MIN_DRAWS) reasons.push(`${T} draws per chain are too few to judge (need ≥ ${MIN_DRAWS})`);
  else {
    if (Math.abs(m) <= LEVEL_SE * se) reasons.push(`λ̂ is within ${LEVEL_SE} standard errors of 0: the chains have not measurably left L(w*)`);
    else if (m < 0) reasons.push(`λ̂ < 0: the chains found lower loss than L(w*) (not a local minimum; SGLD is still descending)`);
    if (!(rhat <= RHAT_MAX)) reasons.push(`R̂ ${fmt(rhat)} > ${RHAT_MAX}`);
    const moving = drift.map((z, c) => [c, z] as const).filter(([, z]) => !(Math.abs(z) <= DRIFT_MAX));
    if (moving.length > 0) {
      const worst = moving.reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) || Number.isNaN(b[1]) ? b : a));
      reasons.push(`${moving.length} of ${traces.length} chain(s) still drifting (chain ${worst[0]}: last third vs middle third z = ${fmt(worst[1])}, limit ${DRIFT_MAX})`);
    }
  }
  return { rhat, ess: essOfChains(ac), drift, belowInit: total > 0 ? below / total : NaN, settled: reasons.length === 0, reasons };
}
