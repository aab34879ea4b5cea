/// <reference lib="webworker" />
/**
 * The training worker: runs one lab's updates in slices of about `SLICE_MS`, evaluating every `evalEvery` steps,
 * and posts a progress message after each slice (the steps, the new evaluation points, and the arrays to draw).
 * The page stays responsive because nothing trains on its thread; between slices the worker yields to read
 * pause / reset / weight-decay messages. It runs at most MAX_UNACKED messages ahead of the page (which acknowledges
 * each as it receives it): where the cores are busy, a page that falls behind gets the CPU back instead of freezing
 * while its workers train on. Each reset starts a fresh backend (./engine; the wasm heap is never freed
 * piece by piece, so a new model gets a new memory and the old one is dropped whole).
 */
import { config } from "zod";
import { startEngine, type Engine } from "./engine";
import { createLab, type Lab } from "./labs";
import type { EvalPoint, FromWorker, ToWorker } from "./protocol";

// The engine validates configs with zod; its JIT probe (`new Function`) is refused by the lab's Content Security
// Policy and would be reported as a violation, so validate without it.
config({ jitless: true });

const SLICE_MS = 24; // about one message per 1.5 frames at 60 Hz
const MAX_UNACKED = 2;
const WARM_MS = 60; // see warmUp

let lab: Lab | null = null;
let engine: Engine | null = null;
let evalEvery = 10;
let generation = 0;
let running = false;
let pending: EvalPoint[] = [];
let trainMs = 0;
let stepMs = 0;
let unacked = 0;
let scheduled = false;
let warm = false;
const tick = new MessageChannel(); // yields without setTimeout's 4 ms clamp

/** Queues the next slice, unless one is queued, the run is paused or the page has not caught up. */
function schedule(): void {
  if (!running || scheduled || unacked >= MAX_UNACKED) return;
  scheduled = true;
  tick.port2.postMessage(null);
}

function post(msg: FromWorker): void {
  postMessage(msg);
}

/** The evaluation at the current step (step 0 and the last step; the others come from the training steps). */
function record(lab: Lab, train: { loss: number; acc: number }): void {
  const test = lab.test();
  pending.push({ step: lab.state.step, trainLoss: train.loss, trainAcc: train.acc, testLoss: test.loss, testAcc: test.acc, trace: lab.trace() });
}

function progress(): void {
  if (!lab) return;
  const backend = engine ? { name: engine.backend.name, note: engine.note } : { name: "", note: null };
  post({ type: "progress", generation, step: lab.state.step, steps: lab.config.steps, running, points: pending, picture: lab.picture(), trainMs, stepMs, backend });
  pending = [];
  unacked++;
}

function slice(): void {
  if (!running || !lab) return;
  const t0 = performance.now();
  try {
    while (lab.state.step < lab.config.steps && performance.now() - t0 < SLICE_MS) {
      const s = lab.state.step;
      // a full-batch step returns the train metrics of the parameters before its update: evaluate test there too
      const due = s > 0 && s % evalEvery === 0;
      const test = due ? lab.test() : null;
      const trace = due ? lab.trace() : {};
      const ts = performance.now();
      const train = lab.step();
      stepMs += performance.now() - ts;
      if (test) pending.push({ step: s, trainLoss: train.loss, trainAcc: train.acc, testLoss: test.loss, testAcc: test.acc, trace });
    }
    if (lab.state.step === lab.config.steps) record(lab, lab.train());
  } catch (e) {
    running = false;
    post({ type: "error", generation, message: (e as Error).message });
    return;
  }
  trainMs += performance.now() - t0;
  if (lab.state.step >= lab.config.steps) running = false;
  progress();
  schedule();
}

tick.port1.onmessage = () => {
  scheduled = false;
  slice();
};

/**
 * A few steps of a copy, dropped after: WebAssembly starts in a baseline tier and the hot kernels are recompiled
 * optimized only after they have run a while (as hot JavaScript is), which would slow a short run's first steps.
 */
function warmUp(copy: Lab): void {
  warm = true;
  const t0 = performance.now();
  while (performance.now() - t0 < WARM_MS && copy.state.step < copy.config.steps) copy.step();
}

async function reset(msg: Extract<ToWorker, { type: "reset" }>): Promise<void> {
  generation++;
  running = false;
  pending = [];
  trainMs = 0;
  stepMs = 0;
  unacked = 0;
  lab = null;
  try {
    engine?.backend.dispose();
    engine = null;
    engine = await startEngine(msg.threads);
    if (!warm) warmUp(createLab(msg.spec, engine.backend));
    lab = createLab(msg.spec, engine.backend);
    evalEvery = msg.evalEvery;
    record(lab, lab.train());
  } catch (err) {
    lab = null;
    post({ type: "error", generation, message: (err as Error).message });
    return;
  }
  progress();
}

function handle(msg: ToWorker): void | Promise<void> {
  switch (msg.type) {
    case "reset":
      return reset(msg);
    case "play":
      if (!lab || running) return;
      if (lab.state.step >= lab.config.steps) return progress(); // finished: tell the page it is not running
      running = true;
      schedule();
      return;
    case "pause":
      running = false;
      progress();
      return;
    case "weight_decay":
      lab?.setWeightDecay(msg.value);
      return;
    case "ack":
      if (msg.generation !== generation) return;
      unacked = Math.max(0, unacked - 1);
      schedule();
      return;
  }
}

// A reset awaits the backend's start; the messages after it wait for it, in order.
let queue: Promise<void> = Promise.resolve();
onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => post({ type: "error", generation, message: (err as Error).message }));
};
