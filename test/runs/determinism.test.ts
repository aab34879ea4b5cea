/**
 * Runs are bit-reproducible: the same spec and seed give identical weights and metrics, whatever the thread count
 * (the wasm backends here are made with their thread count, so GROKSCOPE_THREADS, which caps a spec's, leaves them).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { presetSpec } from "../../src/runs/presets/index.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainStep } from "../../src/train/loop.js";
import { createWasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { spawnNodeWorker } from "../../src/tensor/wasm/node-threads.js";

async function train(overrides: Record<string, unknown>, steps: number): Promise<{ params: Float32Array[]; losses: number[] }> {
  const threads = overrides.threads as number | undefined;
  const backend = threads === undefined ? undefined : await createWasmBackend({ threads, spawnWorker: spawnNodeWorker });
  const { setup, state } = await buildSetup(normalizeSpec({ ...presetSpec("gromov"), steps, model: { name: "gromov", width: 128 }, ...overrides }), { backend });
  const losses: number[] = [];
  try {
    while (state.step < steps) losses.push(trainStep(setup, state).loss);
    return { params: Object.values(state.params).map((t) => t.data.slice()), losses };
  } finally {
    setup.backend.dispose();
  }
}

test("same seed → identical weights and losses; another seed → different", async () => {
  const a = await train({ seed: 7 }, 20), b = await train({ seed: 7 }, 20), c = await train({ seed: 8 }, 20);
  assert.deepEqual(b.losses, a.losses);
  for (let i = 0; i < a.params.length; i++) assert.deepEqual(b.params[i], a.params[i]);
  assert.notDeepEqual(c.losses, a.losses);
});

test("wasm backend: 1 and 2 threads give bit-identical training", async () => {
  const one = await train({ seed: 3, backend: "wasm", threads: 1 }, 15), two = await train({ seed: 3, backend: "wasm", threads: 2 }, 15);
  assert.deepEqual(two.losses, one.losses);
  for (let i = 0; i < one.params.length; i++) assert.deepEqual(two.params[i], one.params[i]);
});

test("minibatch training is reproducible and differs from full batch", async () => {
  const a = await train({ seed: 5, batch_size: 512 }, 10), b = await train({ seed: 5, batch_size: 512 }, 10), full = await train({ seed: 5 }, 10);
  assert.deepEqual(b.losses, a.losses);
  assert.notDeepEqual(full.losses, a.losses);
});
