import { createTransformer } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { MEASURES } from "../../src/measures/registry.js";
import { createFloat64Backend } from "../../src/tensor/backend-f64.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { softmaxCrossEntropy } from "../../src/train/losses.js";
import { tinyPairs } from "../helpers/tiny-data.js";
import { buildTask } from "../../src/tasks/registry.js";
import { createGromov } from "../../src/models/gromov.js";

for (const layer_norm of [false, true]) {
  test(`logit_lens (${layer_norm ? "with" : "without"} LayerNorm): the last block's read-out is the model's own accuracy; one value per block`, () => {
    const data = buildTask({ name: "comparison", entities: 12, attributes: 2, values: 4, phi: 2, test_size: 40 }, keyFromSeed(1));
    const backend = createFloat64Backend();
    const model = createTransformer({ layers: 3, d_model: 8, heads: 2, d_mlp: 8, layer_norm, eq_token: false, init_scale: 1 }, data, backend);
    const params = model.init(keyFromSeed(2));
    const out = MEASURES.logit_lens.compute({ params, data, model, step: 0, backend }) as Record<string, number>;
    assert.deepEqual(Object.keys(out).sort(), ["logit_lens/block0_acc", "logit_lens/block0_ood_acc", "logit_lens/block1_acc", "logit_lens/block1_ood_acc", "logit_lens/block2_acc", "logit_lens/block2_ood_acc"]);
    if (data.kind !== "tokens") throw new Error("token task expected");
    const own = (split: typeof data.test) => softmaxCrossEntropy(model.forward(params, split).logits, split.y, data.nClasses).correct / split.n;
    assert.equal(out["logit_lens/block2_acc"], own(data.test));
    assert.equal(out["logit_lens/block2_ood_acc"], own(data.evalSplits!.ood));
  });
}

test("logit_lens: a 1-layer model on a task without OOD split gives one ID value; other models are refused", () => {
  const data = tinyPairs(7, 20, 1);
  const backend = createFloat64Backend();
  const model = createTransformer({ layers: 1, d_model: 8, heads: 2, d_mlp: 8, layer_norm: false, eq_token: true, init_scale: 1 }, data, backend);
  const out = MEASURES.logit_lens.compute({ params: model.init(keyFromSeed(1)), data, model, step: 0, backend }) as Record<string, number>;
  assert.deepEqual(Object.keys(out), ["logit_lens/block0_acc"]);
  const gromov = createGromov({ width: 4, init_scale: 1 }, data, backend);
  assert.match(MEASURES.logit_lens.appliesTo!(gromov, data, gromov.init(keyFromSeed(1))) ?? "", /needs the transformer/);
});
