/// <reference lib="webworker" />
/**
 * The training worker: runs one lab's updates in slices of about `SLICE_MS`, evaluating every `evalEvery` steps,
 * and posts a progress message after each slice (the steps, the new evaluation points, and the arrays to draw).
 * The page stays responsive because nothing trains on its thread; between slices the worker yields to read
 * pause / reset / weight-decay messages.
 */
import { config } from "zod";
import { createLab, type Lab } from "./labs";
import type { EvalPoint, FromWorker, ToWorker } from "./protocol";

// The engine validates configs with zod; its JIT probe (`new Function`) is refused by the lab's Content Security
// Policy and would be reported as a violation, so validate without it.
config({ jitless: true });

const SLICE_MS = 24; // about one message per 1.5 frames at 60 Hz

let lab: Lab | null = null;
let evalEvery = 10;
let generation = 0;
let running = false;
let pending: EvalPoint[] = [];
let trainMs = 0;
const tick = new MessageChannel(); // yields without setTimeout's 4 ms clamp

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
  post({ type: "progress", generation, step: lab.state.step, steps: lab.config.steps, running, points: pending, picture: lab.picture(), trainMs });
  pending = [];
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
      const train = lab.step();
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
  if (running) tick.port2.postMessage(null);
}

tick.port1.onmessage = slice;

onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case "reset":
      generation++;
      running = false;
      pending = [];
      trainMs = 0;
      try {
        lab = createLab(msg.spec);
        evalEvery = msg.evalEvery;
        record(lab, lab.train());
      } catch (err) {
        lab = null;
        post({ type: "error", generation, message: (err as Error).message });
        return;
      }
      progress();
      return;
    case "play":
      if (!lab || running) return;
      if (lab.state.step >= lab.config.steps) return progress(); // finished: tell the page it is not running
      running = true;
      tick.port2.postMessage(null);
      return;
    case "pause":
      running = false;
      progress();
      return;
    case "weight_decay":
      lab?.setWeightDecay(msg.value);
      return;
  }
};
