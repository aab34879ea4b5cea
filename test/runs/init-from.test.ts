/**
 * `init_from`: a run starts from another run's checkpointed parameters with a fresh optimizer (Varma et al. 2023's
 * ungrokking protocol), its errors name the key, and the modular split it relies on is nested across train fractions.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { checkpointPath } from "../../src/runs/checkpoint.js";
import { applyOverrides } from "../../src/runs/overrides.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { startRun } from "../../src/runs/run.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { buildSetup } from "../../src/runs/setup.js";
import { normalizeSpec, SpecError } from "../../src/runs/spec.js";
import { buildTask } from "../../src/tasks/registry.js";
import { fold, keyFromSeed } from "../../src/tensor/rng.js";
import { stateTensors } from "../../src/train/optimizers.js";

let dir = "";
let source = ""; // a finished run with checkpoints at steps 10 and 20
const small = (over: Record<string, unknown> = {}) => ({
  ...presetSpec("gromov"),
  steps: 20,
  task: { name: "modular", op: "add", p: 11, train_fraction: 0.5 },
  model: { name: "gromov", width: 16 },
  eval: { every: 10 },
  checkpoint_every: 10,
  checkpoint_log_points: null,
  measures: [],
  backend: "js",
  ...over,
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "grokscope-init-from-"));
  source = join(dir, "source");
  await startRun(normalizeSpec(small()), { dataDir: dir, outDir: source, record: "none" });
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function paramsAt(step: number): Promise<Record<string, Float32Array>> {
  const { tensors } = await readSafetensors(checkpointPath(source, step));
  return Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.includes("/")).map(([k, t]) => [k, t.data as Float32Array]));
}

test("init_from: parameters come from the named checkpoint (default: the last), bit for bit; optimizer state starts fresh", async () => {
  for (const [step, want] of [[10, 10], [null, 20]] as const) {
    const config = normalizeSpec(small({ task: { name: "modular", op: "add", p: 11, train_fraction: 0.3 }, init_from: { run: source, step } }));
    const { setup, state, init } = await buildSetup(config);
    try {
      const ckpt = await paramsAt(want);
      for (const [name, t] of Object.entries(state.params)) {
        assert.deepEqual(t.data, ckpt[name], `${name} at step ${want}`);
        assert.deepEqual(init[name].data, ckpt[name], "the relative-change reference is the starting point");
      }
      assert.equal(state.step, 0);
      for (const [slot, v] of Object.entries(stateTensors(state.opt))) assert.ok(v.every((x) => x === 0), `optimizer slot ${slot} starts at zero`);
    } finally {
      setup.backend.dispose();
    }
  }
});

test("init_from: in the spec, --set creates it, a relative path is made absolute, unset leaves the config unchanged", () => {
  const spec = applyOverrides(small(), ["init_from.run=some/run", "init_from.step=10"]);
  const config = normalizeSpec(spec);
  assert.deepEqual(config.init_from, { run: resolve("some/run"), step: 10 });
  assert.equal(normalizeSpec(applyOverrides(small(), ["init_from.run=/abs/run"])).init_from!.step, null, "step defaults to the last checkpoint");
  assert.ok(!("init_from" in normalizeSpec(small())), "absent when unset");
  assert.ok(!("init_from" in normalizeSpec(small({ init_from: null }))));
  const bad = (over: Record<string, unknown>, re: RegExp) => assert.throws(() => normalizeSpec(small(over)), (e: Error) => e instanceof SpecError && re.test(e.message), JSON.stringify(over));
  bad({ init_from: { run: source, stepp: 3 } }, /^init_from\.stepp: unknown key/);
  bad({ init_from: { run: source, step: -1 } }, /^init_from\.step: must be ≥ 0/);
  bad({ init_from: { run: "" } }, /^init_from\.run: must name a run directory/);
  bad({ init_from: { step: 3 } }, /^init_from\.run/);
});

test("init_from: an unreadable directory, a missing step and a model of another shape are SpecErrors naming the key", async () => {
  const fails = async (over: Record<string, unknown>, re: RegExp) => {
    await assert.rejects(buildSetup(normalizeSpec(small(over))), (e: Error) => e instanceof SpecError && re.test(e.message), `${JSON.stringify(over)}`);
  };
  await fails({ init_from: { run: join(dir, "nope") } }, /^init_from\.run: cannot read a checkpoint in .*nope/);
  await fails({ init_from: { run: source, step: 15 } }, /^init_from\.step: .* no checkpoint at step 15 \(it has 0, 10, 20\)/);
  await fails({ model: { name: "gromov", width: 32 }, init_from: { run: source } }, /^init_from\.run: tensor "U" of .* has shape \[16, 11\], the model expects \[32, 11\]/);
  await fails({ model: { name: "mlp", bias: false }, init_from: { run: source } }, /^init_from\.run: .* holds the parameters U, V, W, the model has W_0, W_out/);
  // through startRun: refused before anything is written
  const out = join(dir, "refused");
  await assert.rejects(startRun(normalizeSpec(small({ init_from: { run: join(dir, "nope") } })), { dataDir: dir, outDir: out, record: "none" }), SpecError);
  assert.ok(!existsSync(out), "no run directory left behind");
});

test("modular split: a smaller train_fraction with the same seed trains on a subset of the larger one's pairs", () => {
  const pairs = (f: number, seed: number) => {
    const d = buildTask(normalizeSpec(small({ seed, task: { name: "modular", op: "add", p: 31, train_fraction: f } })).task, fold(keyFromSeed(seed), "task"));
    const x = d.train.x as Int32Array;
    return new Set(Array.from({ length: d.train.n }, (_, i) => `${x[2 * i]},${x[2 * i + 1]}`));
  };
  const big = pairs(0.5, 3);
  for (const f of [0.1, 0.25, 0.49]) {
    const s = pairs(f, 3);
    assert.equal(s.size, Math.floor(f * 31 * 31));
    for (const k of s) assert.ok(big.has(k), `pair ${k} of fraction ${f} is not in the 0.5 split`);
  }
  const other = pairs(0.1, 4);
  assert.ok([...other].some((k) => !big.has(k)), "another seed draws another permutation (the subset property needs the same seed)");
});

test("measure_settings.complexity is validated and passed through like llc", () => {
  const config = normalizeSpec(small({ measure_settings: { complexity: { distortion: 0.05 } } }));
  assert.equal(config.measure_settings.complexity?.distortion, 0.05);
  assert.throws(() => normalizeSpec(small({ measure_settings: { complexity: { distortion: -1 } } })), (e: Error) => e instanceof SpecError && /^measure_settings\.complexity\.distortion: must be ≥ 0/.test(e.message));
  assert.ok(!("complexity" in normalizeSpec(small()).measure_settings));
});
