/** Sweep specs: axis forms, expansion order and keys, validation naming the axis. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { axisValues, normalizeSweep } from "../../src/sweeps/spec.js";
import { SWEEP_PRESETS, sweepPresetSpec } from "../../src/sweeps/presets.js";

const base = { name: "s", base: "sparse-parity", spec: { steps: 10 } };

test("axis forms: list, values, linear step grid (ends included), num points linear and log", () => {
  assert.deepEqual(axisValues([1, "a", true], "k"), [1, "a", true]);
  assert.deepEqual(axisValues({ values: [3, 4] }, "k"), [3, 4]);
  assert.deepEqual(axisValues({ from: 0.1, to: 0.6, step: 0.1 }, "k"), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  assert.deepEqual(axisValues({ from: 0, to: 1, num: 5, scale: "linear" }, "k"), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(axisValues({ from: 1e-4, to: 1e-2, num: 3, scale: "log" }, "k"), [1e-4, 1e-3, 1e-2]);
});

test("runs are the cartesian product in the order written, seeds innermost, with stable keys and configs", () => {
  const s = normalizeSweep({ ...base, axes: { "optimizer.weight_decay": [0.01, 0.1], "model.width": [8, 16, 32] }, seeds: 2 });
  assert.equal(s.runs.length, 2 * 3 * 2);
  assert.equal(s.runs[0].runKey, "optimizer.weight_decay=0.01,model.width=8,seed=1");
  assert.equal(s.runs[1].runKey, "optimizer.weight_decay=0.01,model.width=8,seed=2");
  assert.equal(s.runs[2].runKey, "optimizer.weight_decay=0.01,model.width=16,seed=1");
  assert.equal(new Set(s.runs.map((r) => r.runKey)).size, s.runs.length);
  for (const r of s.runs) {
    assert.equal(r.config.optimizer.weight_decay, r.cell["optimizer.weight_decay"]);
    assert.equal((r.config.model as { width: number }).width, r.cell["model.width"]);
    assert.equal(r.config.seed, r.seed);
    assert.equal(r.config.steps, 10);
    assert.equal(r.config.optimizer.lr, 3e-3, "keys the axes do not touch keep the preset's values");
  }
  assert.deepEqual(s.seeds, [1, 2]);
});

test("seed can be an axis; a list of seeds is taken as given", () => {
  assert.deepEqual(normalizeSweep({ ...base, axes: { seed: [5, 7] } }).runs.map((r) => r.seed), [5, 7]);
  assert.deepEqual(normalizeSweep({ ...base, seeds: [3, 9] }).runs.map((r) => r.runKey), ["seed=3", "seed=9"]);
});

test("bad sweeps are refused with the offending key named", () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ ...base, axes: { "optimizer.weight_dcay": [1] } }, /axes\.optimizer\.weight_dcay = 1: optimizer\.weight_dcay: unknown key/],
    [{ ...base, axes: { "foo.bar": [1] } }, /axes\.foo\.bar = 1: foo: unknown key/],
    [{ ...base, axes: { "optimizer.weight_decay": [] } }, /axes\.optimizer\.weight_decay: no values/],
    [{ ...base, axes: { "optimizer.weight_decay": [-1] } }, /axes\.optimizer\.weight_decay = -1: optimizer\.weight_decay: must be ≥ 0/],
    [{ ...base, axes: { "optimizer.lr": { from: 0, to: 1, num: 3, scale: "log" } } }, /axes\.optimizer\.lr: a log scale needs from and to > 0/],
    [{ ...base, axes: { "optimizer.lr": [0.1, 0.1] } }, /axes\.optimizer\.lr: values repeat/],
    [{ ...base, axes: { seed: [1] }, seeds: 2 }, /seeds: the sweep already has a "seed" axis/],
    [{ ...base, name: "a b" }, /name: must be letters/],
    [{ name: "s" }, /give a base preset/],
    [{ ...base, axis: {} }, /axis/],
    [{ ...base, base: "nope" }, /unknown preset "nope"/],
  ];
  for (const [spec, re] of bad) assert.throws(() => normalizeSweep(spec), re, JSON.stringify(spec));
});

test("every sweep preset expands and validates", () => {
  for (const name of Object.keys(SWEEP_PRESETS)) {
    const s = normalizeSweep(sweepPresetSpec(name));
    assert.ok(s.runs.length > 0, name);
  }
  const pair = normalizeSweep(sweepPresetSpec("pair-sparse-parity"));
  assert.equal(pair.runs.length, 1125, "R9: 5 weight decays × 5 widths × 5 train sizes × 9 seeds");
});

test("sweep variants: a named set of overrides per value of one more axis, checked before anything trains", async () => {
  const { normalizeSweep, VARIANT_AXIS } = await import("../../src/sweeps/spec.js");
  const s = normalizeSweep({
    name: "v", base: "sparse-parity", spec: { steps: 10 },
    variants: { wd: { "optimizer.weight_decay": 0.1 }, drop: { "optimizer.weight_decay": 0, "model.dropout": 0.5 } },
    axes: { "model.width": [8, 16] }, seeds: 2,
  });
  assert.deepEqual(s.axes[VARIANT_AXIS], ["wd", "drop"]);
  assert.equal(s.runs.length, 8);
  assert.equal(s.runs[0].runKey, "variant=wd,model.width=8,seed=1");
  const drop = s.runs.find((r) => r.cell.variant === "drop" && r.cell["model.width"] === 16)!;
  assert.equal(drop.config.optimizer.weight_decay, 0);
  assert.equal((drop.config.model as { dropout: number }).dropout, 0.5);
  assert.equal((drop.config.model as { width: number }).width, 16);
  assert.throws(() => normalizeSweep({ name: "v", base: "sparse-parity", variants: { a: { "model.widht": 3 } } }), /variants\.a\.model\.widht|model\.widht/);
  assert.throws(() => normalizeSweep({ name: "v", base: "sparse-parity", variants: { a: { "model.width": 3 } }, axes: { "model.width": [4] } }), /variants\.a\.model\.width: also an axis/);
  assert.throws(() => normalizeSweep({ name: "v", base: "sparse-parity", variants: {} }), /variants: give at least one/);
  assert.throws(() => normalizeSweep({ name: "v", base: "sparse-parity", variants: { "a b": {} } }), /variants\.a b: /);
});
