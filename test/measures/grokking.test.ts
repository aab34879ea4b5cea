import { test } from "node:test";
import assert from "node:assert/strict";
import { firstStepReaching, grokDelay, grokStep, memorizeStep, type EvalRecord } from "../../src/measures/dynamics/grokking.js";

// An R1-like trajectory: memorized at step 76, test accuracy crosses 0.99 at 86 after a dip.
const history: EvalRecord[] = [
  { step: 0, train_acc: 0.01, test_acc: 0.01 },
  { step: 50, train_acc: 0.6, test_acc: 0.05 },
  { step: 76, train_acc: 0.995, test_acc: 0.4 },
  { step: 80, train_acc: 0.98, test_acc: 0.9 },
  { step: 86, train_acc: 1, test_acc: 0.991 },
  { step: 100, train_acc: 1, test_acc: 1 },
];

test("memorize, grok and delay are the first evaluations reaching the threshold", () => {
  assert.equal(memorizeStep(history), 76);
  assert.equal(grokStep(history), 86);
  assert.equal(grokDelay(history), 10);
  assert.equal(grokStep(history, 0.9), 80);
  assert.equal(grokDelay(history, 0.5), 80 - 50);
});

test("order of the history does not matter; missing values and never-reached thresholds give null", () => {
  assert.equal(grokStep([...history].reverse()), 86);
  const memorizedOnly: EvalRecord[] = [{ step: 0, train_acc: 0.1 }, { step: 10, train_acc: 1, test_acc: null }, { step: 20, train_acc: 1, test_acc: 0.3 }];
  assert.equal(memorizeStep(memorizedOnly), 10);
  assert.equal(grokStep(memorizedOnly), null);
  assert.equal(grokDelay(memorizedOnly), null);
  assert.equal(firstStepReaching([], "train_acc", 0.99), null);
});
