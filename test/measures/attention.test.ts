import { createTransformer } from "../helpers/models.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { MEASURES } from "../../src/measures/registry.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { tinyPairs } from "../helpers/tiny-data.js";
import { createGromov } from "../../src/models/gromov.js";

const config = { layers: 2, d_model: 8, heads: 2, d_mlp: 8, layer_norm: false, eq_token: true, init_scale: 1 };

test("attention/operands: with W_Q = 0 every position is attended equally, so the operands get 2/3 of [a, b, =]", () => {
  const data = tinyPairs(7, 20, 1);
  const backend = createJsBackend();
  const model = createTransformer(config, data, backend);
  const params = model.init(keyFromSeed(1));
  for (const l of [0, 1]) params[`blocks.${l}.attn.W_Q`].data.fill(0);
  const out = MEASURES["attention/operands"].compute({ params, data, model, step: 0, backend }) as Record<string, number>;
  assert.deepEqual(Object.keys(out), ["attention/operands/block0", "attention/operands/block1"]);
  for (const v of Object.values(out)) assert.ok(Math.abs(v - 2 / 3) < 1e-6, `${v}`);
});

test("attention/operands: a key that makes \"=\" dominate sends the share to 0; applies only to transformers", () => {
  const data = tinyPairs(7, 20, 1);
  const backend = createJsBackend();
  const model = createTransformer({ ...config, layers: 1 }, data, backend);
  const params = model.init(keyFromSeed(2));
  // Queries and keys read only the positional embedding, aligned with "=" (position 2) and scaled up.
  params["embed.W_E"].data.fill(0);
  const pos = params["pos_embed.W_pos"].data;
  pos.fill(0);
  pos[2 * 8] = 1; // "=" position: unit vector e0
  const WQ = params["blocks.0.attn.W_Q"].data, WK = params["blocks.0.attn.W_K"].data;
  WQ.fill(0);
  WK.fill(0);
  for (let h = 0; h < 2; h++) {
    WQ[h * 8 * 4] = 30; // q = 30·x0 on head h, column 0
    WK[h * 8 * 4] = 30;
  }
  const v = MEASURES["attention/operands"].compute({ params, data, model, step: 0, backend }) as Record<string, number>;
  assert.ok(v["attention/operands/block0"] < 1e-6, `${v["attention/operands/block0"]}`);
  const gromov = createGromov({ width: 4, init_scale: 1 }, data, backend);
  assert.match(MEASURES["attention/operands"].appliesTo!(gromov, data, gromov.init(keyFromSeed(1))) ?? "", /needs the transformer/);
});
