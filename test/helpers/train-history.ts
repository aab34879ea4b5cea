import { buildSetup } from "../../src/runs/setup.js";
import type { RunConfig } from "../../src/runs/spec.js";
import { cloneParams, type Params } from "../../src/tensor/tensor.js";
import { evaluate, trainStep, type TrainSetup, type TrainState } from "../../src/train/loop.js";

export interface Point {
  readonly step: number;
  readonly train_acc: number;
  readonly test_acc: number;
  readonly train_loss: number;
  readonly test_loss: number;
  readonly extra: Record<string, number>;
}

/**
 * Trains a config in memory (no run directory) and evaluates at every step where `when(step)` is true, calling
 * `probe` there for extra numbers. For reproduction tests that need a finer cadence than a preset's.
 */
export async function trainHistory(
  config: RunConfig,
  when: (step: number) => boolean,
  probe: (setup: TrainSetup, state: TrainState) => Record<string, number> = () => ({}),
): Promise<Point[]> {
  const { setup, state } = await buildSetup(config);
  const out: Point[] = [];
  try {
    for (;;) {
      if (when(state.step)) {
        const tr = evaluate(setup, state, setup.data.train), te = evaluate(setup, state, setup.data.test);
        out.push({ step: state.step, train_acc: tr.acc, test_acc: te.acc, train_loss: tr.loss, test_loss: te.loss, extra: probe(setup, state) });
      }
      if (state.step >= config.steps) break;
      trainStep(setup, state);
    }
  } finally {
    setup.backend.dispose();
  }
  return out;
}

export function firstReaching(points: readonly Point[], key: "train_acc" | "test_acc", threshold = 0.99): number | null {
  return points.find((p) => p[key] >= threshold)?.step ?? null;
}

export interface Snapshot {
  readonly params: Params;
  readonly train_acc: number;
  readonly test_acc: number;
}

/**
 * Trains a config in memory and keeps a copy of the parameters, with train and test accuracy, at each of `steps`.
 * Returns the setup too (data, model, loss, backend) for measuring the snapshots: the caller disposes `setup.backend`.
 */
export async function trainSnapshots(config: RunConfig, steps: readonly number[]): Promise<{ setup: TrainSetup; at: Record<number, Snapshot> }> {
  const { setup, state } = await buildSetup(config);
  const at: Record<number, Snapshot> = {};
  try {
    for (;;) {
      if (steps.includes(state.step)) {
        at[state.step] = { params: cloneParams(state.params), train_acc: evaluate(setup, state, setup.data.train).acc, test_acc: evaluate(setup, state, setup.data.test).acc };
      }
      if (state.step >= config.steps) break;
      trainStep(setup, state);
    }
  } catch (e) {
    setup.backend.dispose();
    throw e;
  }
  return { setup, at };
}
