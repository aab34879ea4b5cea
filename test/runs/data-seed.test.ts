/**
 * `data_seed`: the task's draws (the split) follow it instead of `seed`, and nothing else does — so runs of one
 * data_seed share their data and differ in initialization; unset, a spec and its runs are as before.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { presetSpec } from "../../src/runs/presets/index.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec, SpecError } from "../../src/runs/spec.js";
import type { TokenDataset } from "../../src/tasks/dataset.js";

const small = (over: Record<string, unknown> = {}) =>
  normalizeSpec({
    ...presetSpec("gromov"),
    steps: 10,
    task: { name: "modular", op: "add", p: 13, train_fraction: 0.5 },
    model: { name: "gromov", width: 8 },
    backend: "js",
    ...over,
  });

async function draws(over: Record<string, unknown>): Promise<{ train: number[]; U: number[] }> {
  const { setup, state } = await buildSetup(small(over));
  setup.backend.dispose();
  const data = setup.data as TokenDataset;
  return { train: [...data.train.x], U: [...state.params.U.data] };
}

test("data_seed: absent from a spec that does not set it; validated with its key named", () => {
  assert.equal("data_seed" in small(), false);
  assert.equal(small({ data_seed: 5 }).data_seed, 5);
  assert.equal("data_seed" in small({ data_seed: null }), false);
  for (const bad of [-1, 1.5, "a"]) {
    assert.throws(() => small({ data_seed: bad }), (e: unknown) => e instanceof SpecError && /^data_seed: /.test(e.message));
  }
});

test("data_seed: draws the split, not the initialization; equal to seed it changes nothing", async () => {
  const plain = await draws({ seed: 3 });
  const same = await draws({ seed: 3, data_seed: 3 });
  assert.deepEqual(same, plain);

  const otherData = await draws({ seed: 3, data_seed: 4 });
  assert.notDeepEqual(otherData.train, plain.train);
  assert.deepEqual(otherData.U, plain.U);
  assert.deepEqual(otherData.train, (await draws({ seed: 4 })).train);

  const otherInit = await draws({ seed: 5, data_seed: 3 });
  assert.deepEqual(otherInit.train, plain.train);
  assert.notDeepEqual(otherInit.U, plain.U);
});
