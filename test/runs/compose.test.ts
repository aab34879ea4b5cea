/**
 * How spec layers combine: objects merge key by key, but an evaluation cadence is one setting — a layer or `--set`
 * that gives `eval.every` or `eval.log_points` replaces the preset's cadence whole (the misuse battery saw
 * `--set eval.every=500` silently keep sparse-parity's 40 log-spaced points).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { composeSpec, presets } from "../../src/index.js";
import { evalSteps } from "../../src/train/cadence.js";

test("compose: the preset's cadence is the union of its keys", () => {
  assert.deepEqual(presets["sparse-parity"].eval, { every: 100, log_points: 40 });
  const cfg = composeSpec({ preset: "sparse-parity" });
  assert.deepEqual(cfg.eval, { every: 100, log_points: 40 });
});

test("compose: --set eval.every replaces the preset's cadence whole; two eval keys in one call give their union", () => {
  const every = composeSpec({ preset: "sparse-parity" }, { set: ["eval.every=500"] });
  assert.deepEqual(every.eval, { every: 500 });
  assert.deepEqual(evalSteps(every.eval, 2000), [0, 500, 1000, 1500, 2000]);
  const log = composeSpec({ preset: "sparse-parity" }, { set: ["eval.log_points=5"] });
  assert.deepEqual(log.eval, { log_points: 5 });
  const both = composeSpec({ preset: "gromov" }, { set: ["eval.every=50", "eval.log_points=3"] });
  assert.deepEqual(both.eval, { every: 50, log_points: 3 });
});

test("compose: a spec's eval replaces the preset's whole, while other objects still merge key by key", () => {
  const cfg = composeSpec({ preset: "sparse-parity", eval: { every: 250 }, optimizer: { weight_decay: 0 } });
  assert.deepEqual(cfg.eval, { every: 250 });
  assert.equal(cfg.optimizer.weight_decay, 0);
  assert.equal(cfg.optimizer.lr, composeSpec({ preset: "sparse-parity" }).optimizer.lr);
  const noSets = composeSpec({ preset: "sparse-parity", eval: { every: 250 } }, { set: ["optimizer.lr=0.5"] });
  assert.deepEqual(noSets.eval, { every: 250 }, "a --set outside eval leaves the spec's cadence");
});
