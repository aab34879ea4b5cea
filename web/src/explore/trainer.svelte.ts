/**
 * The page side of a training worker: sends commands, and folds its progress messages into reactive state when the
 * page's frame loop says (./frame-loop: at most once per animation frame; the worker may post faster than the screen
 * redraws; only the newest picture is drawn, every evaluation point is kept).
 */
import { grokStep, memorizeStep, type EvalRecord } from "../../../src/measures/dynamics/grokking";
import type { LabPicture, LabSpec } from "./presets";
import { cancelFold, scheduleFold, type Foldable } from "./frame-loop";
import type { EvalPoint, FromWorker, ToWorker } from "./protocol";

export interface History {
  readonly step: number[];
  readonly trainLoss: number[];
  readonly testLoss: number[];
  readonly trainAcc: number[];
  readonly testAcc: number[];
  /** traces[key][i]: the lab's measure `key` at step[i] (NaN where it was not measured). */
  readonly traces: Readonly<Record<string, number[]>>;
}

/** The accuracy at which a run counts as memorized (train) or grokked (test), as the CLI's default acc_threshold. */
const PHASE_ACC = 0.99;

const emptyHistory = (): History => ({ step: [], trainLoss: [], testLoss: [], trainAcc: [], testAcc: [], traces: {} });

/** The traces of `old` (over `n` evaluations) followed by those of the points `q`; a key missing at a point is NaN. */
function appendTraces(old: History["traces"], n: number, q: readonly EvalPoint[]): Record<string, number[]> {
  const keys = new Set([...Object.keys(old), ...q.flatMap((p) => Object.keys(p.trace))]);
  const out: Record<string, number[]> = {};
  for (const k of keys) out[k] = [...(old[k] ?? new Array<number>(n).fill(NaN)), ...q.map((p) => p.trace[k] ?? NaN)];
  return out;
}

const last = (xs: readonly number[]): number | null => (xs.length > 0 ? xs[xs.length - 1] : null);

export class Trainer implements Foldable {
  step = $state(0);
  steps = $state(0);
  running = $state(false);
  error = $state<string | null>(null);
  history = $state.raw<History>(emptyHistory());
  picture = $state.raw<LabPicture | null>(null);
  /** Whether the section is on screen (its section sets it; off screen, progress is drawn less often). */
  visible = true;
  /** Frames in which new progress was drawn since the last reset (the benchmark reads it). */
  frames = $state(0);
  trainMs = $state(0);
  /** The part of trainMs spent in the training steps themselves. */
  stepMs = $state(0);
  /** The backend the worker trains on ("wasm", "wasm×2" or "js"; empty before it answers), and why not wasm as asked. */
  backend = $state("");
  backendNote = $state<string | null>(null);

  /** The run has taken every step it was reset for. */
  get done(): boolean {
    return this.steps > 0 && this.step >= this.steps;
  }

  /** Training steps per second of the worker's own training time, or null before the first step. */
  get stepsPerSecond(): number | null {
    return this.trainMs > 0 ? (1000 * this.step) / this.trainMs : null;
  }

  /** Train accuracy at the latest evaluation, or null before the first. */
  get lastTrainAcc(): number | null {
    return last(this.history.trainAcc);
  }

  /** Test accuracy at the latest evaluation, or null before the first. */
  get lastTestAcc(): number | null {
    return last(this.history.testAcc);
  }

  /** The lab's measure `key` at every evaluation so far (NaN where it was not measured; empty before the first). */
  series(key: string): number[] {
    return this.history.traces[key] ?? [];
  }

  /** The evaluations as src/measures/grokking reads a run's. */
  readonly #records: EvalRecord[] = $derived(this.history.step.map((step, i) => ({ step, train_acc: this.history.trainAcc[i], test_acc: this.history.testAcc[i] })));

  /** Step at which the run memorized (first evaluation with train accuracy ≥ 99%), or null. */
  get memorizedStep(): number | null {
    return memorizeStep(this.#records, PHASE_ACC);
  }

  /** Step at which the run grokked (first evaluation with test accuracy ≥ 99%), or null. */
  get grokkedStep(): number | null {
    return grokStep(this.#records, PHASE_ACC);
  }

  /** Index of the evaluation at which the run memorized, or null. */
  get memorizedIndex(): number | null {
    const s = this.memorizedStep;
    return s === null ? null : this.history.step.indexOf(s);
  }

  /** Chart markers at the memorized and grokked steps (those reached so far). */
  get phaseMarkers(): { x: number; label: string }[] {
    const m = this.memorizedStep, g = this.grokkedStep;
    return [...(m !== null ? [{ x: m, label: "memorized" }] : []), ...(g !== null ? [{ x: g, label: "grokked" }] : [])];
  }

  readonly #worker: Worker;
  #generation = 0;
  #queued: EvalPoint[] = [];
  #latest: Extract<FromWorker, { type: "progress" }> | null = null;

  constructor() {
    this.#worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "explore-training" });
    this.#worker.onmessage = (e: MessageEvent<FromWorker>) => this.#receive(e.data);
    this.#worker.onerror = (e) => {
      this.error = e.message || "the training worker failed to start";
      this.running = false;
    };
  }

  #send(msg: ToWorker): void {
    this.#worker.postMessage(msg);
  }

  #receive(msg: FromWorker): void {
    if (msg.generation !== this.#generation) return; // from a model that was reset since
    if (msg.type === "progress") this.#send({ type: "ack", generation: msg.generation });
    if (msg.type === "error") {
      this.error = msg.message;
      this.running = false;
      return;
    }
    this.#queued.push(...msg.points);
    this.#latest = msg;
    scheduleFold(this);
  }

  get urgent(): boolean {
    return this.#latest !== null && !this.#latest.running;
  }

  fold(): void {
    const msg = this.#latest;
    if (!msg) return;
    if (this.#queued.length > 0) {
      const h = this.history;
      const q = this.#queued;
      this.history = {
        step: [...h.step, ...q.map((p) => p.step)],
        trainLoss: [...h.trainLoss, ...q.map((p) => p.trainLoss)],
        testLoss: [...h.testLoss, ...q.map((p) => p.testLoss)],
        trainAcc: [...h.trainAcc, ...q.map((p) => p.trainAcc)],
        testAcc: [...h.testAcc, ...q.map((p) => p.testAcc)],
        traces: appendTraces(h.traces, h.step.length, q),
      };
      this.#queued = [];
    }
    this.step = msg.step;
    this.steps = msg.steps;
    this.running = msg.running;
    this.picture = msg.picture;
    this.trainMs = msg.trainMs;
    this.stepMs = msg.stepMs;
    this.backend = msg.backend.name;
    this.backendNote = msg.backend.note;
    this.frames++;
  }

  /** A fresh model at step 0 on `threads` wasm threads (drawn when the worker answers); training waits for `play`. */
  reset(spec: LabSpec, evalEvery: number, threads: number): void {
    this.#generation++;
    this.#queued = [];
    this.#latest = null;
    this.history = emptyHistory();
    this.picture = null;
    this.step = 0;
    this.steps = spec.steps;
    this.running = false;
    this.error = null;
    this.frames = 0;
    this.trainMs = 0;
    this.stepMs = 0;
    this.#send({ type: "reset", spec, evalEvery, threads });
  }

  play(): void {
    this.running = true;
    this.#send({ type: "play" });
  }

  pause(): void {
    this.running = false;
    this.#send({ type: "pause" });
  }

  setWeightDecay(value: number): void {
    this.#send({ type: "weight_decay", value });
  }

  dispose(): void {
    cancelFold(this);
    this.#worker.terminate();
  }
}
