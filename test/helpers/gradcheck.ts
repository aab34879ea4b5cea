import assert from "node:assert/strict";
import type { Model } from "../../src/models/model.js";
import type { Split } from "../../src/tasks/dataset.js";
import { fold, normals, type Key } from "../../src/tensor/rng.js";
import type { Params } from "../../src/tensor/tensor.js";

/** A test loss with curvature: L = Σ c∘z + ½ Σ z², so dL/dz = c + z (c random, fixed by the key). */
function probeLoss(logits: Float32Array, c: Float64Array): { loss: number; dLogits: Float64Array } {
  let loss = 0;
  const d = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    loss += c[i] * logits[i] + 0.5 * logits[i] * logits[i];
    d[i] = c[i] + logits[i];
  }
  return { loss, dLogits: d };
}

/**
 * Checks a model's hand-derived backward against central finite differences, in float64 (the model must be built
 * on the float64 test backend). Every parameter coordinate of small models is checked; for larger ones `maxCoords`
 * random coordinates per tensor, plus the directional derivative along random directions over all parameters.
 */
export function gradcheck(model: Model, params: Params, split: Split, key: Key, opts: { maxCoords?: number; eps?: number; rtol?: number } = {}): void {
  const { maxCoords = 40, eps = 1e-6, rtol = 1e-6 } = opts;
  const probe = Float64Array.from(normals(fold(key, "probe"), model.forward(params, split).logits.length));
  const lossAt = (): number => probeLoss(model.forward(params, split).logits, probe).loss;

  const fwd = model.forward(params, split);
  const { dLogits } = probeLoss(fwd.logits, probe);
  const grads: Params = {};
  for (const [name, t] of Object.entries(params)) grads[name] = { shape: t.shape, data: new Float64Array(t.data.length) as unknown as Float32Array };
  model.backward(params, split, fwd, dLogits as unknown as Float32Array, grads);

  let scale = 0;
  for (const g of Object.values(grads)) for (const v of g.data) scale = Math.max(scale, Math.abs(v));
  assert.ok(scale > 0, "all gradients are zero: the check would be vacuous");

  for (const [name, t] of Object.entries(params)) {
    const n = t.data.length;
    const coords = n <= maxCoords ? [...Array(n).keys()] : Array.from({ length: maxCoords }, (_, i) => Math.floor(((i + 0.5) / maxCoords) * n));
    for (const i of coords) {
      const orig = t.data[i];
      t.data[i] = orig + eps;
      const up = lossAt();
      t.data[i] = orig - eps;
      const down = lossAt();
      t.data[i] = orig;
      const fd = (up - down) / (2 * eps);
      const an = grads[name].data[i];
      const err = Math.abs(fd - an);
      assert.ok(err <= rtol * scale + 1e-6 * Math.abs(fd),
        `${model.name}: d/d${name}[${i}] analytic ${an} vs finite difference ${fd}`);
    }
  }

  for (let r = 0; r < 3; r++) {
    const dirs: Record<string, Float32Array> = {};
    let dot = 0;
    for (const [name, t] of Object.entries(params)) {
      dirs[name] = normals(fold(key, `dir/${r}/${name}`), t.data.length);
      for (let i = 0; i < t.data.length; i++) dot += grads[name].data[i] * dirs[name][i];
    }
    const shift = (s: number): void => { for (const [name, t] of Object.entries(params)) for (let i = 0; i < t.data.length; i++) t.data[i] += s * dirs[name][i]; };
    shift(eps);
    const up = lossAt();
    shift(-2 * eps);
    const down = lossAt();
    shift(eps);
    const fd = (up - down) / (2 * eps);
    assert.ok(Math.abs(fd - dot) <= 1e-5 * Math.max(1, Math.abs(dot)), `${model.name}: directional derivative ${dot} vs finite difference ${fd}`);
  }
}

/** Params copied into float64 buffers (for models built on the float64 backend). */
export function toFloat64(params: Params): Params {
  const out: Params = {};
  for (const [name, t] of Object.entries(params)) out[name] = { shape: t.shape, data: Float64Array.from(t.data) as unknown as Float32Array };
  return out;
}
