/**
 * Dropout (`model.dropout`): active in training forwards only, its masks drawn from the run's seed and the step, so a
 * run stopped and resumed is bit-identical to one that never stopped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizeSpec } from "../../src/runs/spec.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { resumeRun, startRun } from "../../src/runs/run.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { buildSetup } from "../../src/runs/setup.js";
import { evaluate, trainStep } from "../../src/train/loop.js";

const spec = (over: Record<string, unknown>) =>
  normalizeSpec({ ...presetSpec("sparse-parity"), steps: 60, checkpoint_every: 20, eval: { every: 10 }, ...over });

test("dropout: a training step's loss differs from the evaluation's; without dropout they agree", async () => {
  for (const [p, differs] of [[0.5, true], [0, false]] as const) {
    const { setup, state } = await buildSetup(spec({ model: { name: "mlp", width: 64, dropout: p } }));
    try {
      const before = evaluate(setup, state, setup.data.train);
      const stepStats = trainStep(setup, state);
      assert.equal(stepStats.loss !== before.loss, differs, `dropout ${p}: step loss ${stepStats.loss}, eval loss ${before.loss}`);
    } finally {
      setup.backend.dispose();
    }
  }
});

for (const model of [{ name: "mlp", width: 64, dropout: 0.3 }] as const) {
  test(`dropout (${model.name}): stopped at step 30 and resumed, bit-identical to an uninterrupted run`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "grokscope-dropout-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = spec({ model });
    const whole = await startRun(config, { dataDir: join(dir, "store"), outDir: join(dir, "whole"), record: "none" });
    const part = await startRun({ ...config, steps: 30 }, { dataDir: join(dir, "store"), outDir: join(dir, "part"), record: "none" });
    assert.equal(part.steps, 30);
    const resumed = await resumeRun(join(dir, "part"), { dataDir: join(dir, "store"), steps: 60, record: "none" });
    assert.equal(resumed.steps, 60);
    assert.equal(resumed.train_loss, whole.train_loss);
    const a = await readSafetensors(join(dir, "whole", "checkpoints", "step_00000060.safetensors"));
    const b = await readSafetensors(join(dir, "part", "checkpoints", "step_00000060.safetensors"));
    for (const [name, ta] of Object.entries(a.tensors)) assert.deepEqual(Buffer.from(b.tensors[name].data.buffer), Buffer.from(ta.data.buffer), `tensor ${name}`);
    assert.deepEqual(await readMetricsParquet(join(dir, "part", "metrics.parquet")), await readMetricsParquet(join(dir, "whole", "metrics.parquet")));
  });
}
