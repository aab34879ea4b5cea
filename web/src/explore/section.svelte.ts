/**
 * The setup every explorable section shares: its seed, the worker(s) it trains in (one Trainer per lab; the collapse
 * section trains two side by side), and Reset / Train / Pause over all of them. A section states only what differs:
 * which labs, how often they evaluate, and the rest of what it asks the worker (run length, weight decay, …).
 */
import { getContext, setContext } from "svelte";
import type { LabName, LabSpec } from "./presets";
import { Trainer } from "./trainer.svelte";

const THREADS = Symbol("explore-threads");

/** The wasm threads each lab of the page's sections trains on (call from the page's script; default 1). */
export function setLabThreads(threads: number): void {
  setContext(THREADS, threads);
}

export interface SectionLabOptions {
  /** The labs trained side by side, one worker each. */
  readonly labs: readonly LabName[];
  /** The seed a fresh page starts from. */
  readonly seed: number;
  /** Steps between two evaluations. */
  readonly evalEvery: number;
  /** The rest of the spec (run length, weight decay, …), read at every reset. */
  readonly spec: () => Omit<LabSpec, "lab" | "seed">;
  /** Called at every reset, before the workers are. */
  readonly onreset?: () => void;
}

export class SectionLab {
  seed = $state(1);
  readonly trainers: readonly Trainer[];
  readonly #opts: SectionLabOptions;
  readonly #threads: number;

  /** Construct in a section's script (it reads the page's thread count from the component context). */
  constructor(opts: SectionLabOptions) {
    this.#opts = opts;
    this.#threads = getContext<number | undefined>(THREADS) ?? 1;
    this.seed = opts.seed;
    this.trainers = opts.labs.map(() => new Trainer());
  }

  /** The first (for most sections the only) lab's trainer. */
  get trainer(): Trainer {
    return this.trainers[0];
  }

  /** The step all labs have reached. */
  get step(): number {
    return Math.min(...this.trainers.map((t) => t.step));
  }

  get steps(): number {
    return Math.max(...this.trainers.map((t) => t.steps));
  }

  get running(): boolean {
    return this.trainers.some((t) => t.running);
  }

  get done(): boolean {
    return this.trainers.every((t) => t.done);
  }

  /** Frames drawn, over all labs (the tests and the benchmark read it). */
  get frames(): number {
    return this.trainers.reduce((n, t) => n + t.frames, 0);
  }

  /** The longest any lab's worker has trained since the reset, in ms. */
  get trainMs(): number {
    return Math.max(...this.trainers.map((t) => t.trainMs));
  }

  /** Each lab's training steps per second, "—" before the first step (`a + b steps/s` for two labs). */
  get speedText(): string {
    const rates = this.trainers.map((t) => t.stepsPerSecond);
    return rates[0] === null ? "—" : `${rates.map((r) => (r ?? 0).toFixed(0)).join(" + ")} steps/s`;
  }

  /** The longest any lab's worker has spent in training steps alone, in ms. */
  get stepMs(): number {
    return Math.max(...this.trainers.map((t) => t.stepMs));
  }

  /** What the labs train on, as the section shows it ("" before the workers answer), and any note why not wasm. */
  get backendText(): string {
    const names = [...new Set(this.trainers.map((t) => t.backend))];
    return names.includes("") ? "" : names.join(" + ");
  }

  get backendNote(): string | null {
    return this.trainers.find((t) => t.backendNote !== null)?.backendNote ?? null;
  }

  get error(): string | null {
    return this.trainers.find((t) => t.error !== null)?.error ?? null;
  }

  /** Whether the section is on screen (off screen its progress is drawn less often). */
  set visible(v: boolean) {
    for (const t of this.trainers) t.visible = v;
  }

  /** Fresh models at step 0 for the current seed; training waits for `toggle`. */
  reset(): void {
    this.#opts.onreset?.();
    const rest = this.#opts.spec();
    this.trainers.forEach((t, i) => t.reset({ ...rest, lab: this.#opts.labs[i], seed: this.seed }, this.#opts.evalEvery, this.#threads));
  }

  setSeed(seed: number): void {
    this.seed = seed;
    this.reset();
  }

  /** Pause every lab if any runs, else train them all. */
  toggle(): void {
    const running = this.running;
    for (const t of this.trainers) {
      if (running) t.pause();
      else t.play();
    }
  }

  dispose(): void {
    for (const t of this.trainers) t.dispose();
  }
}
