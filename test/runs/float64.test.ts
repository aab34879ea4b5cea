/** The float64 training mode (backend js64): parameters stay float64 and checkpoints keep them exactly (F64 tensors). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpointPath, loadCheckpoint, saveCheckpoint } from "../../src/runs/checkpoint.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainStep } from "../../src/train/loop.js";

const spec = () => normalizeSpec({ ...presetSpec("gromov"), steps: 6, backend: "js64", model: { name: "gromov", width: 16 }, task: { name: "modular", op: "add", p: 13 } });

test("js64: float64 parameters, F64 checkpoints, bit-identical resume", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-f64-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = await buildSetup(spec());
  assert.ok((a.state.params.U.data as unknown) instanceof Float64Array);
  while (a.state.step < 3) trainStep(a.setup, a.state);
  await saveCheckpoint(dir, "f64", a.state);
  while (a.state.step < 6) trainStep(a.setup, a.state);
  const file = await readSafetensors(checkpointPath(dir, 3));
  assert.equal(file.tensors.U.dtype, "F64");
  assert.equal(file.tensors["optim/exp_avg/U"].dtype, "F64");
  const b = await buildSetup(spec());
  await loadCheckpoint(dir, 3, b.state);
  while (b.state.step < 6) trainStep(b.setup, b.state);
  for (const name of Object.keys(a.state.params)) assert.deepEqual(b.state.params[name].data, a.state.params[name].data, name);
});
