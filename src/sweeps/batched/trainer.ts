/**
 * Batched training: many small models of the batched family (key.ts) trained side by side, each exactly as it would
 * train alone. A step of the whole batch is one kernel call whose tasks are the models' fused steps (forward, loss,
 * backward, update: src/tensor/wasm/binary-mlp.ts), claimed whole by the wasm threads; at an evaluation step a call of
 * evaluation tasks and the measures come first, while the parameters are still those of the step.
 * Per model, the metric rows (same steps, same keys, same values) and the final parameters and optimizer state are
 * bit-identical to buildSetup + trainStep + evaluationRows (test/sweeps/batched.test.ts).
 * With `checkpoint`, every model's state and rows are handed out every `everyMs` and when the batch is aborted, as a
 * run's checkpoint would hold them (rows up to and including the step of the state); `restore` starts a model from
 * such a state, and the batch then trains on bit-identically to one never stopped.
 */
import { EventLoopTurns } from "../../runs/event-loop-turns.js";
import { getMeasure, runMeasure } from "../../measures/registry.js";
import type { MetricRow } from "../../runs/metrics-file.js";
import { measureContext, RunInterrupted } from "../../runs/run.js";
import { SpecError, type RunConfig } from "../../runs/spec.js";
import { createBackend, runThreads } from "../../tensor/backend-select.js";
import { cloneParams, firstNonFinite, type Params } from "../../tensor/tensor.js";
import { isWasmBackend } from "../../tensor/wasm/backend-wasm.js";
import type { BinaryMlpKernels, BinaryMlpResult } from "../../tensor/wasm/binary-mlp.js";
import { NonFiniteError, type SplitStats, type TrainState } from "../../train/loop.js";
import { adamCoefficients } from "../../train/optimizers.js";
import { lrAt } from "../../train/schedules.js";
import { notBatchable } from "./key.js";
import { createMember, type Member, type Restore, type SplitCache } from "./member.js";

export interface BatchedRunOutput {
  readonly rows: MetricRow[];
  readonly state: TrainState;
  readonly init: Params;
  /** The batch's wall-clock time shared out over its models. */
  readonly seconds: number;
  /** Why training stopped before the last step (a NonFiniteError with trainStep's message), or null. */
  readonly error: Error | null;
}

export interface BatchedOptions {
  /** Aborting stops the batch between two steps: the call rejects with RunInterrupted. */
  readonly signal?: AbortSignal;
  /** Model-steps done so far, of the total (the sum of the configs' steps). */
  readonly onProgress?: (step: number, total: number) => void;
  /** Kernel threads (default: the largest `threads` of the configs). */
  readonly threads?: number;
  /** A measure failed at a step; the run goes on without that value (as a run alone). */
  readonly onWarning?: (message: string) => void;
  /**
   * Called once per model before it trains, with its fresh state: a model to resume gets its saved parameters,
   * optimizer state and step loaded into `state` here, and the returned rows are its metrics up to that step (its
   * evaluation there included); null = start from step 0.
   */
  readonly restore?: Restore;
  /** Where models' states go while the batch trains (each `save` awaited before training goes on). */
  readonly checkpoint?: BatchCheckpoints;
}

export interface BatchCheckpoints {
  /** Wall-clock milliseconds between two saves of every model (and one more when the batch is aborted). */
  readonly everyMs: number;
  /** `state` is the model's at `state.step`, `rows` its metrics up to and including that step; copy what is kept. */
  readonly save: (index: number, rows: readonly MetricRow[], state: TrainState) => Promise<void>;
}

/** Models trained at once; a longer list trains in waves of this many (each with fresh kernel memory). */
export const WAVE = 128;
/** Longest stretch without yielding to the event loop (abort signals, progress bars, other I/O). */
const YIELD_MS = 50;

export async function trainBatched(configs: readonly RunConfig[], opts: BatchedOptions = {}): Promise<BatchedRunOutput[]> {
  configs.forEach((c, i) => {
    const why = notBatchable(c);
    if (why !== null) throw new SpecError(`configs[${i}]: cannot train in a batch: ${why}`);
  });
  const threads = opts.threads ?? runThreads(Math.max(1, ...configs.map((c) => c.threads)));
  const progress = { done: 0, total: configs.reduce((s, c) => s + c.steps, 0), turns: new EventLoopTurns(YIELD_MS), savedAt: performance.now() };
  const out: BatchedRunOutput[] = [];
  for (let w = 0; w < configs.length; w += WAVE) {
    const backend = await createBackend("wasm", { threads });
    if (!isWasmBackend(backend)) throw new Error("batched training needs the wasm backend");
    try {
      checkExactMath(backend.binaryMlp);
      const t0 = performance.now();
      const cache: SplitCache = new Map();
      const members: Member[] = [];
      for (const [i, c] of configs.slice(w, w + WAVE).entries()) {
        try {
          const m = await createMember(w + i, c, backend, cache, opts.restore);
          progress.done += m.steps;
          members.push(m);
        } catch (e) {
          throw e instanceof SpecError ? new SpecError(`configs[${w + i}]: ${e.message}`) : e;
        }
      }
      await trainWave(members, backend.binaryMlp, opts, progress);
      const seconds = (performance.now() - t0) / 1000 / members.length;
      for (const m of members) out.push(outputOf(m, seconds));
    } finally {
      backend.dispose();
    }
  }
  return out;
}

/**
 * The kernels' loss calls fdlibm's exp and log1p, which is what V8 computes for Math.exp and Math.log1p; an engine
 * that computes them otherwise would make batched losses differ from a run's in the last bit, so it is refused.
 */
function checkExactMath(k: BinaryMlpKernels): void {
  for (let i = 0; i < 2000; i++) {
    const x = -40 * (i / 2000) ** 2 - i * 1e-7; // exp's arguments z_j − max z ≤ 0; log1p's in [0, C − 1]
    const y = (i / 2000) * 3 + 1e-9 * i;
    if (!Object.is(k.exp(x), Math.exp(x)) || !Object.is(k.log1p(y), Math.log1p(y))) {
      throw new Error(`batched training: this JavaScript engine's Math.exp or Math.log1p is not fdlibm's (at ${x} or ${y}), so batched losses would not equal a run's; train these runs one by one`);
    }
  }
}

function outputOf(m: Member, seconds: number): BatchedRunOutput {
  const tensors = Object.fromEntries(Object.entries(m.opt.tensors).map(([k, v]) => [k, v.slice()]));
  return {
    rows: m.rows,
    state: { params: cloneParams(m.params), grads: cloneParams(m.grads), opt: { step: m.opt.step, tensors }, hooks: [], step: m.steps },
    init: m.init,
    seconds,
    error: m.error,
  };
}

/** A model's live state (views of the batch's memory: valid until its next step). */
const stateOf = (m: Member): TrainState => ({ params: m.params, grads: m.grads, opt: m.opt, hooks: [], step: m.steps });

/**
 * Saves every model that trained since its last save. One at an evaluation step not yet recorded is evaluated first
 * (its training metrics by the evaluation forward, which equals the training step's: see trainWave), so what is saved
 * is what a run's checkpoint holds: the state at step s and every row up to s.
 */
async function saveAll(live: readonly Member[], k: BinaryMlpKernels, opts: BatchedOptions, save: BatchCheckpoints): Promise<void> {
  const due = live.filter((m) => m.steps > m.savedAt);
  const evaluating = due.filter((m) => m.recordedAt !== m.steps && m.isEval(m.steps, m.config.steps));
  k.run([...evaluating.map((m) => m.testEval), ...evaluating.map((m) => m.trainEval)]);
  for (const m of evaluating) record(m, statsOf(k.result(m.trainEval), m.setup.data.train.n), measure(m, opts.onWarning), k);
  await Promise.all(due.map((m) => save.save(m.index, m.rows, stateOf(m))));
  for (const m of due) m.savedAt = m.steps;
}

/** Appends the model's row of the step (training metrics, test metrics, measures, in a run's order). */
function record(m: Member, trainStats: SplitStats, measured: Record<string, number>, k: BinaryMlpKernels): void {
  const test = statsOf(k.result(m.testEval), m.setup.data.test.n);
  const row: Record<string, number> = { ...train(trainStats), test_loss: test.loss, test_acc: test.acc, ...measured };
  for (const [key, value] of Object.entries(row)) m.rows.push({ step: m.steps, key, value });
  m.recordedAt = m.steps;
}

const statsOf = (r: BinaryMlpResult, n: number): SplitStats => ({ loss: r.loss ?? NaN, acc: n === 0 ? NaN : r.correct / n });

interface WaveProgress {
  done: number;
  readonly total: number;
  readonly turns: EventLoopTurns;
  /** performance.now() of the last save (or of the start). */
  savedAt: number;
}

async function trainWave(members: readonly Member[], k: BinaryMlpKernels, opts: BatchedOptions, progress: WaveProgress): Promise<void> {
  const done = new Set<Member>();
  for (;;) {
    const live = members.filter((m) => m.error === null && !done.has(m));
    if (live.length === 0) return;
    const aborted = opts.signal?.aborted === true;
    if (opts.checkpoint && (aborted || performance.now() - progress.savedAt >= opts.checkpoint.everyMs)) {
      await saveAll(live, k, opts, opts.checkpoint);
      progress.savedAt = performance.now();
    }
    if (aborted) throw new RunInterrupted(`interrupted at step ${live[0].steps} of a batch of ${members.length} models`);
    const training = live.filter((m) => m.steps < m.config.steps);
    const finishing = live.filter((m) => m.steps === m.config.steps);
    // a model's evaluation at this step may be recorded already (by a save, or before the state it resumed from)
    const evaluating = live.filter((m) => m.recordedAt !== m.steps && m.isEval(m.steps, m.config.steps));
    const finishingEval = finishing.filter((m) => m.recordedAt !== m.steps);

    // Evaluations first: the test split, the training split of models without a step left (the others' training
    // metrics are their step's: a full batch's forward on the same parameters), and the measures.
    const values = new Map<Member, SplitStats>();
    const measured = new Map<Member, Record<string, number>>();
    k.run([...evaluating.map((m) => m.testEval), ...finishingEval.map((m) => m.trainEval)]);
    for (const m of finishingEval) values.set(m, statsOf(k.result(m.trainEval), m.setup.data.train.n));
    for (const m of evaluating) measured.set(m, measure(m, opts.onWarning));

    const evaluates = new Set(evaluating);
    for (const m of training) {
      setUpdate(m, k);
      k.wantLoss(m.step, evaluates.has(m)); // the loss's value only where a row reports it
    }
    k.run(training.map((m) => m.step));
    for (const m of training) {
      const r = k.result(m.step);
      values.set(m, statsOf(r, m.setup.data.train.n));
      if (r.status === "loss") {
        const where = firstNonFinite(m.params);
        m.error = new NonFiniteError(`training diverged at step ${m.steps}: loss is ${r.loss}` + (where ? `; tensor "${where}" holds NaN or Inf` : `; the logits overflowed (no parameter holds NaN or Inf yet)`));
      } else if (r.status === "gradient") {
        m.error = new NonFiniteError(`training diverged at step ${m.steps}: the gradient of "${firstNonFinite(m.grads)}" holds NaN or Inf`);
      }
    }

    for (const m of evaluating) record(m, values.get(m)!, measured.get(m)!, k);
    for (const m of finishing) done.add(m);
    for (const m of training) {
      if (m.error !== null) continue;
      m.steps++;
      m.opt.step++;
    }
    progress.done += training.length;
    opts.onProgress?.(progress.done, progress.total);
    if (progress.turns.due()) await progress.turns.take();
  }
}

function train(s: SplitStats): Record<string, number> {
  return { train_loss: s.loss, train_acc: s.acc };
}

/** The config's measures at this step, as evaluationRows computes them (a failing measure is reported and skipped). */
function measure(m: Member, onWarning?: (message: string) => void): Record<string, number> {
  const ctx = measureContext(m.config, m.setup, m.params, m.steps, m.init);
  const values: Record<string, number> = {};
  for (const name of m.measures) {
    try {
      Object.assign(values, runMeasure(name, getMeasure(name), ctx));
    } catch (e) {
      onWarning?.(`measure "${name}" failed at step ${m.steps} (the run's other metrics are kept): ${(e as Error).message}`);
    }
  }
  return values;
}

/** The optimizer's scalars for this step (for Adam, src/train/optimizers.ts' own adamCoefficients). */
function setUpdate(m: Member, k: BinaryMlpKernels): void {
  const o = m.config.optimizer;
  const lr = lrAt(m.setup.schedule, m.steps);
  if (o.name === "sgd") {
    k.setSgd(m.step, { lr, wd: o.weight_decay, l1: o.l1, momentum: o.momentum });
    return;
  }
  k.setAdam(m.step, adamCoefficients(o, lr, m.opt.step + 1));
}
