/**
 * R7 at CI size (docs/reproductions.md R7): the nanda-small preset — Nanda et al. (2023)'s 1-layer transformer
 * recipe on (a + b) mod 59 — memorizes, then groks, and the paper's progress measures move in the paper's order:
 * a few key frequencies take over the embedding, the restricted loss (logits kept only on the key frequencies'
 * directions, on training pairs) falls below 1 before the test loss does, the excluded loss rises, and the "=" position
 * attends to the operands.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MEASURES } from "../../src/measures/registry.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { trainHistory } from "../helpers/train-history.js";

const num = (name: string, ctx: MeasureContext): number => MEASURES[name].compute(ctx) as number;

test("R7 nanda-small: memorizes, groks, and the progress measures lead test loss (seed 1)", async (t) => {
  const config = normalizeSpec({ ...presetSpec("nanda-small"), seed: 1, steps: 1500 });
  const points = await trainHistory(config, (s) => s % 25 === 0, (setup, state) => {
    const ctx: MeasureContext = { params: state.params, data: setup.data, model: setup.model, step: state.step, loss: setup.loss, backend: setup.backend };
    return {
      keys: num("fourier/key_frequencies", ctx),
      gini: num("fourier/gini", ctx),
      restricted: num("fourier/restricted_loss", ctx),
      excluded: num("fourier/excluded_loss", ctx),
      operands: (MEASURES["attention/operands"].compute(ctx) as Record<string, number>)["attention/operands/block0"],
    };
  });
  const first = (pred: (p: (typeof points)[number]) => boolean) => points.find(pred)?.step ?? null;
  const memorized = first((p) => p.train_acc >= 0.99);
  const grokked = first((p) => p.test_acc >= 0.95);
  const restrictedBelow1 = first((p) => p.extra.restricted < 1);
  const testBelow1 = first((p) => p.test_loss < 1);
  const end = points[points.length - 1];
  const atMemorized = points.find((p) => p.step === memorized)!;
  t.diagnostic(`memorized at ${memorized} (test acc then ${atMemorized?.test_acc.toFixed(3)}), test ≥ 95 % at ${grokked}; restricted loss < 1 at ${restrictedBelow1}, test loss < 1 at ${testBelow1}`);
  t.diagnostic(`end: test acc ${end.test_acc.toFixed(4)}, ${end.extra.keys} key frequencies, Gini ${points[0].extra.gini.toFixed(3)} → ${end.extra.gini.toFixed(3)}, excluded loss ${end.extra.excluded.toFixed(2)}, attention on operands ${end.extra.operands.toFixed(3)}`);
  for (const p of points.filter((_, i) => i % 4 === 0)) {
    t.diagnostic(`step ${p.step}: train ${p.train_acc.toFixed(3)} test ${p.test_acc.toFixed(3)} test loss ${p.test_loss.toFixed(3)} restricted ${p.extra.restricted.toFixed(3)} excluded ${p.extra.excluded.toFixed(3)} keys ${p.extra.keys} gini ${p.extra.gini.toFixed(3)}`);
  }
  assert.ok(memorized !== null && grokked !== null, "memorizes and groks within 1,500 steps");
  assert.ok(atMemorized.test_acc < 0.6, `test accuracy ${atMemorized.test_acc} when the training set is memorized: not a delayed generalization`);
  assert.ok(grokked - memorized >= 200, `grokking ${grokked - memorized} steps after memorization`);
  assert.ok(end.test_acc >= 0.95, `final test accuracy ${end.test_acc}`);
  assert.ok(end.extra.keys >= 1 && end.extra.keys <= 8, `${end.extra.keys} key frequencies (Nanda et al.: 5)`);
  assert.ok(end.extra.gini > 3 * points[0].extra.gini, "the embedding's spectrum becomes sparse");
  assert.ok(restrictedBelow1 !== null && testBelow1 !== null && restrictedBelow1 < testBelow1, `restricted loss < 1 at ${restrictedBelow1}, test loss < 1 at ${testBelow1}`);
  assert.ok(end.extra.excluded > 2 * end.train_loss + 1, `excluded loss ${end.extra.excluded} stays high once the circuit carries the logits`);
  assert.ok(end.extra.operands > 0.9, `"=" attends to the operands (${end.extra.operands})`);
});
