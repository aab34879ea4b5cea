/**
 * A test-free indicator (docs/reproductions.md, test-free indicators): the Gini coefficient of the first layer's
 * per-frequency Fourier norms (Nanda et al. 2023), computed from the weights alone, rises well before test
 * accuracy moves on the R1 gromov run. Measured on seed 1 (eval every 5 steps): Gini 0.0115 at init, 0.0255 at
 * step 55 while test accuracy is 0.0 %; test accuracy first exceeds 5 % at step 70, reaches 99 % at 85.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MEASURES } from "../../src/measures/registry.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainHistory } from "../helpers/train-history.js";

for (const seed of [1, 2]) {
  test(`fourier/gini doubles before test accuracy moves (gromov seed ${seed})`, async (t) => {
    const config = normalizeSpec({ ...presetSpec("gromov"), seed, steps: 100 });
    const points = await trainHistory(config, (s) => s % 5 === 0, (setup, state) => ({
      gini: MEASURES["fourier/gini"].compute({ params: state.params, data: setup.data, model: setup.model, step: state.step }) as number,
    }));
    const moved = points.find((p) => p.test_acc > 0.05)!;
    const early = points.find((p) => p.step === moved.step - 15)!;
    const g0 = points[0].extra.gini;
    t.diagnostic(`Gini ${g0.toFixed(4)} at init, ${early.extra.gini.toFixed(4)} at step ${early.step} (test acc ${early.test_acc.toFixed(4)}); test acc > 5 % first at step ${moved.step}`);
    assert.ok(early.test_acc < 0.02, "15 steps before, test accuracy has not moved");
    assert.ok(early.extra.gini > 1.8 * g0, `Gini ${early.extra.gini} has not risen from ${g0} 15 steps before test accuracy moves`);
  });
}
