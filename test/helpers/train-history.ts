import { buildSetup } from "../../src/runs/setup.js";
import type { RunConfig } from "../../src/runs/spec.js";
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
