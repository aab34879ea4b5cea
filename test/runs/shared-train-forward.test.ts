/**
 * At an evaluation step a run takes the training split's metrics from the forward of the step that follows (a
 * full batch without dropout computes the same values), one forward fewer per evaluation. Checked two ways: every
 * recorded train_loss / train_acc equals an evaluation of the checkpoint saved at that step, and the run's final
 * parameters equal those of plain trainStep calls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckpoint, readCheckedSafetensors, checkpointPath } from "../../src/runs/checkpoint.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { startRun } from "../../src/runs/run.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec, type RunConfig } from "../../src/runs/spec.js";
import { evaluate, forwardEvaluatesTrain, stepForward, trainStep } from "../../src/train/loop.js";

const STEPS = 6;
const every = { steps: STEPS, eval: { every: 2 }, checkpoint_every: 1, checkpoint_log_points: null, measures: ["weights/norm"] };

const cases: Record<string, () => RunConfig> = {
  "gromov (hand-fused)": () => normalizeSpec({ ...presetSpec("gromov"), ...every, model: { name: "gromov", width: 32 }, task: { name: "modular", op: "add", p: 13, train_fraction: 0.5 } }),
  "mlp (autograd), two logits": () => normalizeSpec({ ...presetSpec("sparse-parity"), ...every, model: { name: "mlp", width: 16 } }),
  "mlp with dropout 0.3": () => normalizeSpec({ ...presetSpec("sparse-parity"), ...every, model: { name: "mlp", width: 16, dropout: 0.3 } }),
  "mlp, minibatches": () => normalizeSpec({ ...presetSpec("sparse-parity"), ...every, model: { name: "mlp", width: 16 }, batch_size: 64 }),
  "embed_mlp (PAIR)": () => normalizeSpec({ ...presetSpec("pair-mod67"), ...every, model: { name: "embed_mlp", d_embed: 24, width: 8, tied_unembed: true }, task: { name: "modular", op: "add", p: 11, train_fraction: 0.4, symmetric: true } }),
  "transformer": () => normalizeSpec({ ...presetSpec("nanda-small"), ...every, model: { name: "transformer", d_model: 16, heads: 2, d_mlp: 32, layers: 1 }, task: { name: "modular", op: "add", p: 11, train_fraction: 0.3 } }),
};

for (const [name, make] of Object.entries(cases)) {
  test(`${name}: recorded training metrics equal an evaluation of each step's checkpoint; training unchanged`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "grokscope-shared-forward-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = make();
    await startRun(config, { dataDir: join(dir, "store"), outDir: join(dir, "run"), record: "none" });
    const rows = await readMetricsParquet(join(dir, "run", "metrics.parquet"));
    const { setup, state } = await buildSetup(config);
    try {
      const evalSteps = [...new Set(rows.filter((r) => r.key === "train_loss").map((r) => r.step))];
      assert.deepEqual(evalSteps, [0, 2, 4, 6]);
      for (const step of evalSteps) {
        await loadCheckpoint(join(dir, "run"), step, state);
        const want = evaluate(setup, state, setup.data.train);
        const got = (key: string) => rows.find((r) => r.step === step && r.key === key)?.value;
        assert.equal(got("train_loss"), want.loss, `train_loss at step ${step}`);
        assert.equal(got("train_acc"), want.acc, `train_acc at step ${step}`);
      }
    } finally {
      setup.backend.dispose();
    }
    const plain = await buildSetup(config);
    try {
      while (plain.state.step < STEPS) trainStep(plain.setup, plain.state);
      const saved = await readCheckedSafetensors(checkpointPath(join(dir, "run"), STEPS));
      for (const [p, tensor] of Object.entries(plain.state.params)) assert.deepEqual(saved.tensors[p].data, tensor.data, `parameter ${p} after ${STEPS} steps`);
    } finally {
      plain.setup.backend.dispose();
    }
  });
}

test("a step's forward stands for the training split's evaluation only with a full batch and no dropout", async () => {
  for (const [name, shared] of [["mlp (autograd), two logits", true], ["gromov (hand-fused)", true], ["embed_mlp (PAIR)", true], ["transformer", true], ["mlp with dropout 0.3", false], ["mlp, minibatches", false]] as const) {
    const { setup, state } = await buildSetup(cases[name]());
    try {
      const f = stepForward(setup, state);
      assert.equal(forwardEvaluatesTrain(setup, f), shared, name);
      if (shared) assert.deepEqual(f.stats, evaluate(setup, state, setup.data.train), `${name}: the step's stats are the evaluation's`);
    } finally {
      setup.backend.dispose();
    }
  }
});
