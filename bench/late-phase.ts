/**
 * A memorizing run's late steps: R5's `pair-mod67` on wasm×1, ms per step over steps 10–110 and over 2,200–2,300,
 * once the training set is fit. By then much of dL/dlogits is classes ruled out by huge margins; as subnormal numbers,
 * and through their products with the weights, they made each step 4.6× slower on an Intel CPU (the losses store
 * entries below 2^-100 as 0: src/tensor/kernels/cross-entropy.ts). late / early near 1 says that works on this machine.
 */
import { presetSpec } from "../src/runs/presets/index.js";
import { buildSetup } from "../src/runs/setup.js";
import { normalizeSpec } from "../src/runs/spec.js";
import { createBackend } from "../src/tensor/backend-select.js";
import { trainStep } from "../src/train/loop.js";

export interface LatePhaseResult {
  readonly preset: string;
  readonly backend: string;
  /** ms per step over steps 10–110 (after a 10-step warm-up). */
  readonly early_ms_per_step: number;
  /** ms per step over steps 2,200–2,300 (the training set is memorized from ~1,000 on). */
  readonly late_ms_per_step: number;
  readonly late_over_early: number;
}

const EARLY = [10, 110] as const;
const LATE = [2200, 2300] as const;

export async function benchLatePhase(): Promise<LatePhaseResult> {
  const backend = await createBackend("wasm", { threads: 1 });
  try {
    const { setup, state } = await buildSetup(normalizeSpec(presetSpec("pair-mod67")), { backend });
    const stepsTo = (end: number): number => {
      const t0 = performance.now(), from = state.step;
      while (state.step < end) trainStep(setup, state);
      return (performance.now() - t0) / (end - from);
    };
    stepsTo(EARLY[0]);
    const early = stepsTo(EARLY[1]);
    stepsTo(LATE[0]);
    const late = stepsTo(LATE[1]);
    return { preset: "pair-mod67", backend: backend.name, early_ms_per_step: early, late_ms_per_step: late, late_over_early: late / early };
  } finally {
    backend.dispose();
  }
}
