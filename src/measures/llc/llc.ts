/**
 * Local learning coefficient (LLC) — Lau et al. (2023), "Quantifying degeneracy in singular models via the learning
 * coefficient", the estimator of their eq. (definition of λ̂ in §4), as devinterp computes it (`slt/llc.py`):
 *   λ̂(w*) = nβ · ( E_w[L(w)] − L(w*) ),   nβ = n / ln n by default (β* = 1/ln n, Watanabe's WBIC temperature),
 * E_w over the localized tempered posterior p(w) ∝ exp(−nβ L(w) − (γ/2)‖w − w*‖²), sampled by SGLD (./sgld.ts).
 * L is the mean training loss. As in devinterp, each draw records the minibatch loss at the draw's weights (an
 * unbiased estimate of L(w_draw)); L(w*) is computed on the full training set. λ̂ is averaged per chain, and the
 * measure reports the mean and the (n − 1) standard deviation over chains, with the convergence diagnostics of
 * ./diagnostics.ts; in a run it also writes the loss traces, hyper-parameters and diagnostics (./record.ts).
 *
 * Reading it: a regular minimum with d parameters has λ = d/2; degenerate (singular) minima have less, so a lower
 * LLC means a simpler, more degenerate solution. Lau et al. and Cullen et al. (2026) track it over checkpoints.
 */
import { z } from "zod";
import type { Model } from "../../models/model.js";
import type { Split } from "../../tasks/dataset.js";
import type { Backend } from "../../tensor/backend.js";
import { fold, type Key } from "../../tensor/rng.js";
import { firstNonFinite, type Params } from "../../tensor/tensor.js";
import { batchSplit } from "../../train/batches.js";
import type { Loss } from "../../train/losses.js";
import { describeIssue } from "../../util/zod-issue.js";
import type { MeasureContext, MeasureDef } from "../measure.js";
import { diagnoseTraces, type LlcDiagnostics } from "./diagnostics.js";
import { diagnosticsRecord, keyPair, LLC_RECORD_FORMAT, llcRecordPath, serializeLlcRecord, type LlcHyper, type LlcRecord } from "./record.js";
import { malaState, sgldStep } from "./sgld.js";

/**
 * SGLD settings, named after devinterp's arguments (`lr`, `localization`, `nbeta`, `num_chains`, `num_draws`,
 * `num_burnin_steps`, `num_steps_bw_draws`, the DataLoader's batch size). devinterp's defaults are lr 0.01,
 * localization 0, nbeta = batch_size / ln(batch_size), 10 chains × 100 draws, no burn-in, 1 step between draws.
 * Ours differ where the gromov preset needs it (see docs/measures/llc.md): ε = 1e-4 (0.01 diverges on gromov),
 * γ = 100 (Lau et al.'s and devinterp's examples; devinterp's 0 leaves the chain free to leave the basin),
 * nβ = n / ln n with n the number of training examples (Lau et al.; devinterp's current default uses the batch size),
 * 4 chains × 100 draws after 100 burn-in steps, batch 256: ~9–13 s per evaluation on gromov (N = 500), ~12 ms per
 * SGLD step, ≈ 7 ms of it drawing one normal per parameter.
 */
export const LlcSettingsSchema = z.strictObject({
  epsilon: z.number().gt(0, "must be > 0").default(1e-4),
  gamma: z.number().min(0, "must be ≥ 0").default(100),
  /** Inverse temperature nβ; null = n / ln n over the n training examples. */
  nbeta: z.number().gt(0, "must be > 0").nullable().default(null),
  chains: z.number().int("must be an integer").min(1, "must be ≥ 1").default(4),
  draws: z.number().int("must be an integer").min(1, "must be ≥ 1").default(100),
  burn_in: z.number().int("must be an integer").min(0, "must be ≥ 0").default(100),
  steps_between_draws: z.number().int("must be an integer").min(1, "must be ≥ 1").default(1),
  /** Minibatch size; null = the full training set. */
  batch_size: z.number().int("must be an integer").min(1, "must be ≥ 1").nullable().default(256),
});

export type LlcSettings = z.output<typeof LlcSettingsSchema>;
export type LlcSettingsInput = z.input<typeof LlcSettingsSchema>;

export const LLC_SETTING_KEYS: readonly string[] = Object.keys(LlcSettingsSchema.shape);

/** Normalized settings; the error names the key path ("llc.epsilon: must be > 0"). */
export function parseLlcSettings(input: unknown = {}, where = "llc"): LlcSettings {
  const r = LlcSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new Error(describeIssue(r.error.issues[0], where, LLC_SETTING_KEYS));
}

/** SGLD left the basin: a loss or parameter went NaN/Inf. */
export class LlcDivergedError extends Error {}

export interface LlcEstimate {
  /** Mean over chains of λ̂. */
  readonly mean: number;
  /** Sample standard deviation over chains (NaN for one chain). */
  readonly std: number;
  /** λ̂ of each chain. */
  readonly perChain: readonly number[];
  /** L(w*) on the full training split. */
  readonly initLoss: number;
  readonly nbeta: number;
  /** Recorded draw losses, [chains][draws]. */
  readonly losses: readonly Float64Array[];
  /** The hyper-parameters as used (nβ and the batch size resolved) and the key. */
  readonly hyper: LlcHyper;
  /** Whether the chains settled (split-R̂, per-chain drift, λ̂ clear of 0; ./diagnostics.ts). */
  readonly diagnostics: LlcDiagnostics;
  /**
   * Mean MALA acceptance probability of the SGLD moves after burn-in, over chains (devinterp's `mala_accept/mean`,
   * with U compared on one batch: ./sgld.ts): near 1 for small ε; devinterp's calibration notes aim for about 0.9.
   */
  readonly mala: number;
}

/** nβ = n / ln n (n ≥ 2), Lau et al. (2023)'s β* = 1 / ln n times n. */
export function defaultNbeta(n: number): number {
  return n > 1 ? n / Math.log(n) : 1;
}

function meanLoss(model: Model, params: Params, split: Split, loss: Loss): number {
  return loss(model.forward(params, split).logits, split.y, model.nOut).loss;
}

/**
 * λ̂ at `params` (= w*, never modified) over the training split `split`. Every draw derives from `key`:
 * chain c uses fold(key, c); its minibatches fold(·, "batches"), its noise fold(fold(·, "noise"), step).
 */
export function estimateLlc(
  model: Model,
  params: Params,
  split: Split,
  loss: Loss,
  backend: Backend,
  key: Key,
  settings: LlcSettingsInput | LlcSettings = {},
): LlcEstimate {
  const s = parseLlcSettings(settings);
  const n = split.n;
  const nbeta = s.nbeta ?? defaultNbeta(n);
  const hyper = { epsilon: s.epsilon, gamma: s.gamma, nbeta };
  const initLoss = meanLoss(model, params, split, loss);
  if (!Number.isFinite(initLoss)) throw new LlcDivergedError(`llc: the training loss at the checkpoint is ${initLoss}; the LLC is undefined there`);
  // a working copy and gradient buffers from the backend (so float64 test backends stay float64)
  const w: Params = {}, grads: Params = {};
  let largest = 0;
  for (const [name, t] of Object.entries(params)) {
    w[name] = { shape: t.shape, data: backend.alloc(t.data.length) };
    grads[name] = { shape: t.shape, data: backend.alloc(t.data.length) };
    largest = Math.max(largest, t.data.length);
  }
  // float32 noise in the backend's memory (a float64 backend's buffers are not float32: its noise gets its own)
  const buffer = backend.alloc(largest), noise = buffer instanceof Float32Array ? buffer : new Float32Array(largest);
  const batchSize = s.batch_size === null ? n : Math.min(s.batch_size, n);
  const dLogits = backend.alloc(batchSize * model.nOut);
  const steps = s.burn_in + s.draws * s.steps_between_draws;
  const perChain: number[] = [], losses: Float64Array[] = [];
  const malaBuf = malaState(params, backend);
  let acceptSum = 0, acceptCount = 0;
  const base = fold(key, "llc/sgld");
  for (let c = 0; c < s.chains; c++) {
    const chainKey = fold(base, c), batchKey = fold(chainKey, "batches"), noiseKey = fold(chainKey, "noise");
    for (const [name, t] of Object.entries(params)) w[name].data.set(t.data);
    malaBuf.u = NaN;
    const drawn = new Float64Array(s.draws);
    let d = 0, prevBatch: Split | null = null;
    for (let i = 0; i < steps; i++) {
      const batch = batchSize >= n ? split : batchSplit(split, batchSize, batchKey, i);
      // the MALA acceptance of the move into w compares U on one batch (./sgld.ts): the loss at w on the last batch
      const prevBatchLoss = i > s.burn_in && prevBatch !== null && batch !== split ? meanLoss(model, w, prevBatch, loss) : undefined;
      prevBatch = batch;
      const fwd = model.forward(w, batch);
      const l = loss(fwd.logits, batch.y, model.nOut, { dLogits }).loss;
      if (!Number.isFinite(l)) {
        throw new LlcDivergedError(
          `llc: SGLD diverged (loss ${l} at chain ${c}, step ${i}; loss at the checkpoint ${initLoss.toPrecision(4)}): ` +
            `lower llc.epsilon (now ${s.epsilon}) or raise llc.gamma (now ${s.gamma})`,
        );
      }
      // devinterp records the loss computed at the draw's weights, before the step
      if (i >= s.burn_in && (i + 1 - s.burn_in) % s.steps_between_draws === 0) drawn[d++] = l;
      model.backward(w, batch, fwd, dLogits, grads);
      const accept = sgldStep(w, params, grads, hyper, fold(noiseKey, i), noise, backend, { state: malaBuf, loss: l, prevBatchLoss });
      if (i > s.burn_in) (acceptSum += accept), acceptCount++; // the move from step i − 1 to i, both after burn-in
    }
    const bad = firstNonFinite(w);
    if (bad) throw new LlcDivergedError(`llc: SGLD diverged (tensor "${bad}" holds NaN or Inf after chain ${c}): lower llc.epsilon (now ${s.epsilon})`);
    let sum = 0;
    for (const v of drawn) sum += v;
    perChain.push(nbeta * (sum / s.draws - initLoss));
    losses.push(drawn);
  }
  const mean = perChain.reduce((a, b) => a + b, 0) / perChain.length;
  const std = perChain.length > 1 ? Math.sqrt(perChain.reduce((a, b) => a + (b - mean) ** 2, 0) / (perChain.length - 1)) : NaN;
  const resolved: LlcHyper = {
    epsilon: s.epsilon, gamma: s.gamma, nbeta, nbeta_rule: s.nbeta === null ? "n/ln n" : "given", chains: s.chains, draws: s.draws,
    burn_in: s.burn_in, steps_between_draws: s.steps_between_draws, batch_size: batchSize, n, key: keyPair(key),
  };
  const mala = acceptCount > 0 ? acceptSum / acceptCount : NaN;
  return { mean, std, perChain, initLoss, nbeta, losses, hyper: resolved, diagnostics: diagnoseTraces(losses, initLoss), mala };
}

/** The file record of an estimate at `step` (./record.ts). */
export function llcRecord(step: number, e: LlcEstimate): LlcRecord {
  return {
    format: LLC_RECORD_FORMAT,
    step,
    hyper: e.hyper,
    llc: { mean: e.mean, std: e.std, per_chain: [...e.perChain], init_loss: e.initLoss },
    diagnostics: diagnosticsRecord(e.diagnostics, e.mala),
    loss_trace: e.losses.map((t) => Array.from(t)),
  };
}

/** The one-line warning for an estimate whose chains have not settled, naming what to change. */
export function unsettledWarning(step: number, e: LlcEstimate): string {
  return `llc at step ${step}: chains have not settled (${e.diagnostics.reasons.join("; ")}); λ̂ ${e.mean.toPrecision(4)} may be biased — ` +
    `more llc.burn_in/llc.draws or a larger llc.epsilon (now ${e.hyper.epsilon}) usually help; scan them with grokscope llc-calibrate`;
}

/** The measure: needs the run's loss, backend and key (the run loop and `grokscope measure` pass them). */
export function llcMeasure(settings: LlcSettingsInput = {}): MeasureDef {
  const s = parseLlcSettings(settings);
  return {
    describe: "local learning coefficient λ̂ = nβ(E[L] − L(w*)) by localized SGLD on the training set (Lau et al. 2023; devinterp)",
    compute: (ctx: MeasureContext) => {
      if (!ctx.loss || !ctx.backend || !ctx.key) throw new Error(`measure "llc" needs the run's loss, backend and key in its context`);
      const e = estimateLlc(ctx.model, ctx.params, ctx.data.train, ctx.loss, ctx.backend, ctx.key, s);
      ctx.writeRunFile?.(llcRecordPath(ctx.step), serializeLlcRecord(llcRecord(ctx.step, e)));
      if (!e.diagnostics.settled) ctx.onWarning?.(unsettledWarning(ctx.step, e));
      return { "llc/mean": e.mean, "llc/std": e.std, "llc/init_loss": e.initLoss, "llc/rhat": e.diagnostics.rhat, "llc/settled": e.diagnostics.settled ? 1 : 0 };
    },
  };
}

export const LLC_MEASURES: Readonly<Record<string, MeasureDef>> = { llc: llcMeasure() };
