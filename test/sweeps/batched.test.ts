/**
 * Batched training is training each model alone, only faster: for configs that differ in seed, weight decay, lr,
 * optimizer, width, bias and n_train, trained together in one batch (on 1 and on 2 kernel threads), every metric row
 * and the final parameters, gradients and optimizer state are bit-identical to buildSetup + trainStep with the
 * evaluations of a run (evaluationRows at the eval cadence). A model that diverges stops with trainStep's error while
 * the others go on; aborting rejects with RunInterrupted; the batch key groups what the kernels can train.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveMeasures } from "../../src/measures/registry.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import type { MetricRow } from "../../src/runs/metrics-file.js";
import { evaluationRows, RunInterrupted } from "../../src/runs/run.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec, SpecError, type RunConfig } from "../../src/runs/spec.js";
import { batchKey, trainBatched, type BatchedRunOutput } from "../../src/sweeps/batched/index.js";
import { createBackend } from "../../src/tensor/backend-select.js";
import { FLUSH_BELOW_CUBIC } from "../../src/tensor/kernels/adam.js";
import { cloneParams, type Params } from "../../src/tensor/tensor.js";
import { evalCadence } from "../../src/train/cadence.js";
import { NonFiniteError, trainStep, type TrainState } from "../../src/train/loop.js";

const BASE = {
  ...presetSpec("sparse-parity"),
  steps: 40,
  eval: { every: 10, log_points: 6 },
  task: { name: "sparse_parity", n_bits: 12, k_relevant: 3, n_train: 100, n_test: 150, bias: true },
  model: { name: "mlp", depth: 1, width: 16, activation: "relu", bias: true, init_scale: 1 },
  measures: ["weights/norm"],
};

function config(over: Record<string, unknown>): RunConfig {
  return normalizeSpec({ ...BASE, ...over });
}

const adamw = (lr: number, weight_decay: number) => ({ name: "adamw", lr, betas: [0.99, 0.98], weight_decay });

/**
 * Seeds, weight decays, lrs, Adam, SGD with momentum and L1, other widths, no bias, another n_train, a single output
 * logit. The widths cover
 * every way the kernels cut a row's units into blocks of vectors (assembly/binary-mlp.ts, BLOCK): 5 (one block of 2
 * vectors that overlap), 9 (3), 13 and 16 (4), 26 (5 + 2), 30 (6 + 2), 50 (6 + 5 + 2), 258 (ten of 6, then 5: the PAIR
 * grid's widest).
 */
const CONFIGS: RunConfig[] = [
  config({ seed: 1, optimizer: adamw(3e-3, 0.1) }),
  config({ seed: 2, optimizer: adamw(3e-3, 0.1) }),
  config({ seed: 1, optimizer: adamw(3e-3, 1) }),
  config({ seed: 1, optimizer: adamw(1e-2, 0.1) }),
  config({ seed: 3, optimizer: { name: "adam", lr: 5e-3, weight_decay: 0.01, l1: 1e-4 } }),
  config({ seed: 4, optimizer: { name: "sgd", lr: 0.5, momentum: 0.9, weight_decay: 1e-3, l1: 1e-4 } }),
  config({ seed: 5, optimizer: { name: "sgd", lr: 0.3 }, schedule: { name: "cosine", warmup_steps: 5 } }),
  config({ seed: 6, optimizer: adamw(3e-3, 0.1), model: { ...BASE.model, width: 13 } }),
  config({ seed: 7, optimizer: adamw(3e-3, 0.1), model: { ...BASE.model, bias: false } }),
  config({ seed: 8, optimizer: adamw(3e-3, 0.1), task: { ...BASE.task, n_train: 64, label_noise: 0.1 } }),
  ...[5, 9, 26, 30, 50, 258].map((width, i) => config({ seed: 10 + i, optimizer: adamw(3e-3, 0.1), model: { ...BASE.model, width, bias: i % 2 === 0 } })),
  // a single output logit (PAIR's model, R9), with and without biases, at widths with and without a vector tail
  ...[5, 16, 30, 258].map((width, i) => config({ seed: 20 + i, optimizer: adamw(3e-3, i === 3 ? 1 : 0.1), model: { ...BASE.model, width, bias: i % 2 === 1, init: "haiku", single_logit: true } })),
  config({ seed: 24, optimizer: { name: "sgd", lr: 0.3, momentum: 0.9, l1: 1e-4 }, model: { ...BASE.model, single_logit: true } }),
];

interface Alone {
  readonly rows: MetricRow[];
  readonly state: TrainState;
  readonly init: Params;
  readonly error: Error | null;
}

/** A run's training loop without the files: evaluationRows at the cadence, then trainStep, until the last step. */
async function trainAlone(c: RunConfig): Promise<Alone> {
  const backend = await createBackend("wasm", { threads: 1 });
  const { setup, state, init } = await buildSetup(c, { backend });
  const measures = resolveMeasures(c.measures, setup.model, setup.data, state.params);
  const isEval = evalCadence(c.eval);
  const rows: MetricRow[] = [];
  let error: Error | null = null;
  for (;;) {
    if (isEval(state.step, c.steps)) rows.push(...evaluationRows({ config: c, measures, init }, setup, state));
    if (state.step >= c.steps) break;
    try {
      trainStep(setup, state);
    } catch (e) {
      error = e as Error;
      break;
    }
  }
  return { rows, state, init, error };
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function assertSameParams(actual: Params, expected: Params, what: string): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${what}: tensor names`);
  for (const [name, t] of Object.entries(expected)) {
    assert.deepEqual(actual[name].shape, t.shape, `${what} ${name}: shape`);
    assert.deepEqual(bits(actual[name].data), bits(t.data), `${what} ${name}: bits`);
  }
}

function assertSameRun(got: BatchedRunOutput, want: Alone, what: string): void {
  assert.deepEqual(got.rows, want.rows, `${what}: metric rows`); // Object.is per value: NaN and ±0 must match too
  assert.equal(got.error?.message, want.error?.message, `${what}: error`);
  assert.equal(got.state.step, want.state.step, `${what}: step`);
  assertSameParams(got.init, want.init, `${what} init`);
  assertSameParams(got.state.params, want.state.params, `${what} params`);
  assertSameParams(got.state.grads, want.state.grads, `${what} grads`);
  assert.equal(got.state.opt.step, want.state.opt.step, `${what}: optimizer step`);
  assert.deepEqual(Object.keys(got.state.opt.tensors), Object.keys(want.state.opt.tensors), `${what}: optimizer slots`);
  for (const [key, t] of Object.entries(want.state.opt.tensors)) assert.deepEqual(bits(got.state.opt.tensors[key]), bits(t), `${what} ${key}: bits`);
  assert.deepEqual(got.state.hooks, []);
}

test("every model of a batch trains bit-identically to training it alone, on 1 and 2 threads", async () => {
  const alone = await Promise.all(CONFIGS.map(trainAlone));
  assert.ok(alone.every((a) => a.error === null && a.rows.length > 0));
  // the models learn something (not a test of nothing): training accuracy rises for the Adam runs
  const acc = (rows: MetricRow[], step: number) => rows.find((r) => r.step === step && r.key === "train_acc")!.value;
  assert.ok(acc(alone[0].rows, 40) > acc(alone[0].rows, 0));
  for (const threads of [1, 2]) {
    let last = 0;
    const got = await trainBatched(CONFIGS, { threads, onProgress: (s, total) => ((last = s), assert.equal(total, 40 * CONFIGS.length)) });
    assert.equal(last, 40 * CONFIGS.length);
    assert.equal(got.length, CONFIGS.length);
    got.forEach((g, i) => assertSameRun(g, alone[i], `threads ${threads}, configs[${i}]`));
  }
});

test("a diverging model stops with trainStep's error at the same step; the rest of its batch trains on", async () => {
  const wild = config({ seed: 9, optimizer: { name: "sgd", lr: 1e30 } });
  const configs = [CONFIGS[0], wild];
  const alone = await Promise.all(configs.map(trainAlone));
  assert.ok(alone[1].error !== null && alone[1].state.step < wild.steps, "the reference run diverges");
  const got = await trainBatched(configs, { threads: 2 });
  got.forEach((g, i) => assertSameRun(g, alone[i], `configs[${i}]`));
  assert.ok(got[1].error instanceof NonFiniteError);
});

test("an aborted batch rejects with RunInterrupted", async () => {
  const abort = new AbortController();
  const run = trainBatched(CONFIGS.slice(0, 2), { signal: abort.signal, onProgress: (s) => s >= 20 && abort.abort() });
  await assert.rejects(run, RunInterrupted);
});

test("batch keys: what the fused kernels train shares a key per run length; the rest gets null", async () => {
  const key = batchKey(CONFIGS[0]);
  assert.ok(key !== null);
  for (const c of CONFIGS) assert.equal(batchKey(c), key);
  assert.notEqual(batchKey(config({ steps: 41 })), key);
  const unbatchable = [
    config({ backend: "js" }),
    config({ batch_size: 32 }),
    config({ model: { ...BASE.model, depth: 2 } }),
    config({ model: { ...BASE.model, activation: "gelu" } }),
    config({ model: { ...BASE.model, width: 4 } }),
    config({ optimizer: { ...adamw(3e-3, 0.1), orthogonal: true } }),
    config({ optimizer: { ...adamw(3e-3, 0.1), flush_below: FLUSH_BELOW_CUBIC } }),
    config({ grokfast: { name: "ema", alpha: 0.98, lamb: 2 } }),
    config({ loss: "mse" }),
    normalizeSpec(presetSpec("gromov")),
  ];
  for (const c of unbatchable) assert.equal(batchKey(c), null, JSON.stringify({ backend: c.backend, model: c.model, task: c.task.name }));
  await assert.rejects(trainBatched([unbatchable[0]]), SpecError);
});

/** A model's saved state, as a run directory would keep it (rows up to the state's step, a copy of the state). */
interface Saved {
  readonly rows: MetricRow[];
  readonly state: TrainState;
}

function copyState(s: TrainState): TrainState {
  const tensors = Object.fromEntries(Object.entries(s.opt.tensors).map(([k, v]) => [k, v.slice()]));
  return { params: cloneParams(s.params), grads: cloneParams(s.grads), opt: { step: s.opt.step, tensors }, hooks: [], step: s.step };
}

function restoreFrom(saved: Map<number, Saved>) {
  return async (index: number, state: TrainState): Promise<MetricRow[] | null> => {
    const s = saved.get(index);
    if (!s) return null;
    for (const [name, t] of Object.entries(s.state.params)) state.params[name].data.set(t.data);
    for (const [key, t] of Object.entries(s.state.opt.tensors)) state.opt.tensors[key].set(t);
    state.opt.step = s.state.opt.step;
    state.step = s.state.step;
    return s.rows.slice();
  };
}

test("a batch saved at every step, stopped, and restored from its saves trains on bit-identically (stopped at an evaluation step and between two)", async () => {
  const configs = CONFIGS.slice(0, 6);
  const alone = await Promise.all(configs.map(trainAlone));
  for (const stopAt of [20, 25]) {
    // 20 is an evaluation step (every 10): the save there evaluates first; 25 is not
    const saved = new Map<number, Saved>();
    let saves = 0;
    const abort = new AbortController();
    const first = trainBatched(configs, {
      signal: abort.signal,
      threads: 2,
      onProgress: (done) => done >= stopAt * configs.length && abort.abort(),
      checkpoint: { everyMs: 0, save: async (i, rows, state) => void (saves++, saved.set(i, { rows: rows.slice(), state: copyState(state) })) },
    });
    await assert.rejects(first, RunInterrupted);
    assert.equal(saves, stopAt * configs.length, "each model saved once at every step after 0");
    for (const [i, s] of saved) {
      assert.equal(s.state.step, stopAt, `configs[${i}]: saved where it stopped`);
      if (stopAt === 20) assert.ok(s.rows.some((r) => r.step === 20 && r.key === "train_loss"), `configs[${i}]: the save evaluated step 20 first`);
      assert.deepEqual(s.rows, alone[i].rows.filter((r) => r.step <= stopAt), `configs[${i}]: the saved rows are the run's`);
    }
    const got = await trainBatched(configs, { threads: 1, restore: restoreFrom(saved) });
    got.forEach((g, i) => assertSameRun(g, alone[i], `stopped at ${stopAt}, configs[${i}]`));
  }
});
