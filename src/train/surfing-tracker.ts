/**
 * The "surfing" tracker: how far the optimizer travels once the training loss is near zero, and in which direction.
 * With the loss at a minimum the loss gradient is small, so an unregularized run (plain gradient descent) barely
 * moves; weight decay keeps pulling, and the optimizer travels along the set of near-zero-loss weights, orthogonally
 * to the loss gradient, shrinking the weight norm, until it reaches the generalizing solution (the mechanism behind
 * weight decay's role in grokking: Liu, Michaud & Tegmark 2023, "Omnigrok": the LU mechanism; Lyu et al. 2024,
 * "Dichotomy of early and late phase implicit biases can provably induce grokking", where the late phase follows
 * the norm-minimizing flow along the zero-loss set).
 *
 * Every update t (θ_{t−1} → θ_t) whose full-batch training loss at θ_{t−1} is below ε counts, with Δ_t = θ_t − θ_{t−1}
 * and g_t = ∇L(θ_{t−1}) the full-batch loss gradient (without the regularizer, before any gradient filter):
 *   path_length          Σ_t ‖Δ_t‖
 *   orthogonal_fraction  Σ_t ‖Δ_t⊥‖² / Σ_t ‖Δ_t‖²,   Δ_t⊥ = Δ_t − (Δ_t·g_t / ‖g_t‖²) g_t    (1 − cos²(Δ_t, g_t) per step,
 *                        weighted by the step's squared length)
 *   norm_change          Σ_t (‖θ_t‖ − ‖θ_{t−1}‖)
 *   steps                number of counted updates
 * It is exact per update (an evaluation-cadence chord ‖θ_s − θ_{s−k}‖ would only bound the path from below). The
 * sums are float64 and part of the checkpoint, so a resumed run continues them bit-identically. Cost: nothing while
 * the loss is above ε; below it, a few passes over the parameters per step (and, with minibatches, one full-batch
 * forward and backward for L and g).
 */
import { zerosLike, type Params } from "../tensor/tensor.js";
import { lossAndGradient, type TrainState } from "./loop.js";
import { findHook, type StepHook } from "./step-hooks.js";

export interface SurfingSums {
  /** Counted updates. */
  steps: number;
  pathLength: number;
  /** Σ ‖Δ⊥‖². */
  orthogonalSq: number;
  /** Σ ‖Δ‖². */
  totalSq: number;
  normChange: number;
}

export interface SurfingState {
  readonly epsilon: number;
  readonly sums: SurfingSums;
  /** Whether the update in progress counts (set by surfingBefore, consumed by surfingAfter). */
  armed: boolean;
  /** θ_{t−1}, g_t (flattened in parameter order) and ‖θ_{t−1}‖² of the update in progress; reused across steps. */
  prev: Float64Array;
  grad: Float64Array;
  prevNormSq: number;
}

export function surfingInit(epsilon: number): SurfingState {
  if (!(typeof epsilon === "number" && epsilon > 0 && Number.isFinite(epsilon))) throw new Error(`surfing: epsilon must be a finite number > 0, got ${epsilon}`);
  const sums = { steps: 0, pathLength: 0, orthogonalSq: 0, totalSq: 0, normChange: 0 };
  return { epsilon, sums, armed: false, prev: new Float64Array(0), grad: new Float64Array(0), prevNormSq: 0 };
}

function total(params: Params): number {
  let n = 0;
  for (const t of Object.values(params)) n += t.data.length;
  return n;
}

/**
 * Before the optimizer moves the parameters: if the full-batch loss is below ε, remember θ_{t−1} and g_t.
 * `grads` must be the loss gradient (the caller applies any gradient filter afterwards).
 */
export function surfingBefore(s: SurfingState, loss: number, params: Params, grads: Params): void {
  s.armed = loss < s.epsilon;
  if (!s.armed) return;
  const n = total(params);
  if (s.prev.length !== n) {
    s.prev = new Float64Array(n);
    s.grad = new Float64Array(n);
  }
  const { prev, grad } = s;
  let o = 0, normSq = 0;
  for (const [name, t] of Object.entries(params)) {
    const p = t.data, g = grads[name].data;
    for (let i = 0; i < p.length; i++, o++) {
      prev[o] = p[i];
      grad[o] = g[i];
      normSq += p[i] * p[i];
    }
  }
  s.prevNormSq = normSq;
}

/** After the optimizer: adds the update θ_{t−1} → θ_t to the sums if it counts. */
export function surfingAfter(s: SurfingState, params: Params): void {
  if (!s.armed) return;
  s.armed = false;
  const { prev, grad } = s;
  let o = 0, dd = 0, dg = 0, gg = 0, normSq = 0;
  for (const t of Object.values(params)) {
    const p = t.data;
    for (let i = 0; i < p.length; i++, o++) {
      const d = p[i] - prev[o];
      dd += d * d;
      dg += d * grad[o];
      gg += grad[o] * grad[o];
      normSq += p[i] * p[i];
    }
  }
  const orth = gg > 0 ? Math.max(0, dd - (dg * dg) / gg) : dd;
  const sums = s.sums;
  sums.steps++;
  sums.pathLength += Math.sqrt(dd);
  sums.orthogonalSq += orth;
  sums.totalSq += dd;
  sums.normChange += Math.sqrt(normSq) - Math.sqrt(s.prevNormSq);
}

// ---- checkpointing: [epsilon, steps, pathLength, orthogonalSq, totalSq, normChange] as one float64 tensor ----

export function surfingStateTensor(s: SurfingState): Float64Array {
  const m = s.sums;
  return Float64Array.of(s.epsilon, m.steps, m.pathLength, m.orthogonalSq, m.totalSq, m.normChange);
}

/** Restores the sums saved by `surfingStateTensor`; the saved ε must be this run's. */
export function loadSurfingStateTensor(s: SurfingState, t: ArrayLike<number>): void {
  if (t.length !== 6) throw new Error(`surfing state: expected 6 values, got ${t.length}`);
  if (t[0] !== s.epsilon) throw new Error(`surfing state: saved with epsilon ${t[0]}, the run uses ${s.epsilon}`);
  Object.assign(s.sums, { steps: t[1], pathLength: t[2], orthogonalSq: t[3], totalSq: t[4], normChange: t[5] });
  s.armed = false;
}

// ---- as a step hook of the training loop ----

export interface SurfingHook extends StepHook {
  readonly tracker: SurfingState;
}

/**
 * The tracker as a step hook. It must run before any gradient filter (it reads the loss gradient): put it first.
 * With a full batch it reads the step's own loss and gradient; with minibatches it computes the full-batch loss (one
 * more forward) and, when that is below ε, the full-batch gradient (one backward).
 */
export function surfingHook(epsilon: number): SurfingHook {
  const tracker = surfingInit(epsilon);
  let fullGrads: Params | null = null;
  return {
    name: "surfing",
    checkpointPrefix: "surfing/",
    tracker,
    beforeUpdate(setup, state, batchLoss) {
      if (setup.batchSize === null) return surfingBefore(tracker, batchLoss, state.params, state.grads);
      let used: Params | null = null;
      const loss = lossAndGradient(setup, state.params, setup.data.train, (l) => {
        if (!(l < tracker.epsilon)) return null;
        return (used = fullGrads ??= zerosLike(state.params, (n) => setup.backend.alloc(n)));
      });
      surfingBefore(tracker, loss, state.params, used ?? state.grads);
    },
    afterUpdate: (_setup, state) => surfingAfter(tracker, state.params),
    saveState: () => ({ state: { dtype: "F64", data: surfingStateTensor(tracker) } }),
    loadState(t) {
      if (!t.state) throw new Error(`no "surfing/state" tensor (the checkpoint was written without the surfing tracker)`);
      loadSurfingStateTensor(tracker, t.state);
    },
  };
}

/** The surfing sums of a state whose loop runs the tracker, else null. */
export function surfingSumsOf(state: TrainState): Readonly<SurfingSums> | null {
  return findHook<SurfingHook>(state, "surfing")?.tracker.sums ?? null;
}
