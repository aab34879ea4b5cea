/** A run that computes the surfing measure attaches the per-step tracker; stopped and resumed, its metrics are bit-identical. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandMeasureNames } from "../../src/measures/registry.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { surfingWd } from "../../src/runs/presets/surfing.js";
import { resumeRun, RunInterrupted, startRun } from "../../src/runs/run.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { normalizeSpec, SpecError } from "../../src/runs/spec.js";

// surfing-wd's loss falls below its ε = 1e-3 near step 490: the sums grow from there
const spec = () => normalizeSpec({ ...surfingWd.spec, steps: 800, eval: { every: 50 }, checkpoint_every: 200 });

test("surfing: the run records the sums at every evaluation, checkpoints them, and resumes bit-identically", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-surf-run-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = await startRun(spec(), { dataDir: dir, outDir: join(dir, "a"), record: "none" });
  assert.ok(a.final_measures["surfing/steps"] > 0 && a.final_measures["surfing/path_length"] > 0, JSON.stringify(a.final_measures));

  const stop = new AbortController();
  const interrupted = startRun(spec(), {
    dataDir: dir,
    outDir: join(dir, "b"),
    record: "none",
    onProgress: (p) => p.step === 700 && stop.abort(), // after the checkpoint at 600: the resume recomputes 601–700
    signal: stop.signal,
  });
  await assert.rejects(interrupted, RunInterrupted);
  const b = await resumeRun(join(dir, "b"), { dataDir: dir, record: "none" });
  assert.deepEqual(b.final_measures, a.final_measures);
  assert.deepEqual(await readMetricsParquet(join(dir, "b", "metrics.parquet")), await readMetricsParquet(join(dir, "a", "metrics.parquet")));
  const ca = await readSafetensors(join(dir, "a", "checkpoints", "step_00000800.safetensors"));
  const cb = await readSafetensors(join(dir, "b", "checkpoints", "step_00000800.safetensors"));
  assert.equal(ca.tensors["surfing/state"].dtype, "F64");
  assert.deepEqual(cb.tensors["surfing/state"].data, ca.tensors["surfing/state"].data);
  const steps = (await readMetricsParquet(join(dir, "a", "metrics.parquet"))).filter((r) => r.key === "surfing/steps").map((r) => r.value);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] - steps[i - 1] <= 50, "at most one count per update");
  assert.ok(steps[12] > 0 && steps[12] < steps[16], "counting had begun before the checkpoint at 600 and went on");
});

test("surfing is computed only when named: \"all\" does not attach the tracker", () => {
  assert.ok(expandMeasureNames(["surfing"]).includes("surfing"));
  const all = expandMeasureNames(["all"]);
  assert.ok(all.includes("weights/norm") && !all.includes("surfing"));
});

test("ε ≤ 0 is a bad input naming the key", () => {
  for (const epsilon of [0, -1e-3]) {
    assert.throws(
      () => normalizeSpec({ ...surfingWd.spec, measure_settings: { surfing: { epsilon } } }),
      (e: Error) => e instanceof SpecError && e.message === "measure_settings.surfing.epsilon: must be > 0",
    );
  }
});
