/** Grokfast's filter state is part of a run's state: a checkpoint round trip continues bit-identically. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint } from "../../src/runs/checkpoint.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainStep } from "../../src/train/loop.js";

const spec = () => normalizeSpec({ ...presetSpec("gromov"), steps: 20, model: { name: "gromov", width: 64 }, grokfast: { name: "ema", alpha: 0.98, lamb: 2 } });

test("grokfast: filtered training resumes from a checkpoint bit-identically, and the filter changes the trajectory", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-gf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = await buildSetup(spec());
  while (a.state.step < 10) trainStep(a.setup, a.state);
  await saveCheckpoint(dir, "gf", a.state);
  while (a.state.step < 20) trainStep(a.setup, a.state);

  const b = await buildSetup(spec());
  await loadCheckpoint(dir, 10, b.state);
  while (b.state.step < 20) trainStep(b.setup, b.state);
  for (const name of Object.keys(a.state.params)) assert.deepEqual(b.state.params[name].data, a.state.params[name].data, name);

  const plain = await buildSetup(normalizeSpec({ ...presetSpec("gromov"), steps: 20, model: { name: "gromov", width: 64 } }));
  while (plain.state.step < 20) trainStep(plain.setup, plain.state);
  assert.notDeepEqual(plain.state.params.U.data, a.state.params.U.data);
  for (const s of [a, b, plain]) s.setup.backend.dispose();
});
