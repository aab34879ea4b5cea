/**
 * Backend.sgldUpdate, the SGLD step of the LLC's sampler: the wasm kernel gives the TypeScript reference's values bit
 * for bit — the weights, the MALA state it keeps (drift and noise, float64) and the three sums it adds to in element
 * order, carried from one tensor to the next — with and without the MALA state, in and outside the wasm memory.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { createWasmBackend, type WasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { fold, keyFromSeed, normals } from "../../src/tensor/rng.js";

const root = keyFromSeed(20261208);
let wasm: WasmBackend;
before(async () => {
  wasm = await createWasmBackend({ threads: 1 });
});
after(() => wasm?.dispose());

function bitsOf(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

test("sgldUpdate equals the reference bit for bit: weights, MALA state and sums, across tensors, in and outside the wasm memory", () => {
  const js = createJsBackend();
  const coef = Float64Array.of(0.5 * 5e-4, Math.sqrt(5e-4), 26.4, 5);
  for (const mala of [false, true]) {
    for (const inside of [false, true]) {
      const runs = [js, wasm].map((be) => {
        const sums = Float64Array.of(1.5, -2.25, 0.125); // as if earlier tensors had added to them
        const out: (Float32Array | Float64Array)[] = [];
        for (const [t, n] of [[0, 1], [1, 7], [2, 4099]] as const) {
          const f32 = (label: string, scale: number): Float32Array => {
            const v = normals(fold(root, `${t}/${label}`), n, scale);
            if (!inside || be === js) return v;
            const a = be.alloc(n);
            a.set(v);
            return a;
          };
          const x = f32("x", 0.3), x0 = f32("x0", 0.3), g = f32("g", 2), z = f32("z", 1);
          const dU = mala ? Float64Array.from(normals(fold(root, `${t}/dU`), n, 3)) : null;
          const xi = mala ? Float64Array.from(normals(fold(root, `${t}/xi`), n)) : null;
          be.sgldUpdate(n, x, x0, g, z, coef, dU, xi, sums);
          out.push(x, ...(dU && xi ? [dU, xi] : []));
        }
        return { out: out.map(bitsOf), sums: bitsOf(sums) };
      });
      assert.deepEqual(runs[1].out, runs[0].out, `mala ${mala}, inside ${inside}: tensors`);
      assert.equal(runs[1].sums, runs[0].sums, `mala ${mala}, inside ${inside}: sums`);
    }
  }
});

test("sgldUpdate refuses a short array or half a MALA state, naming it", () => {
  const a = new Float32Array(4), c = new Float64Array(4), s = new Float64Array(3);
  assert.throws(() => wasm.sgldUpdate(5, a, a, a, a, c, null, null, s), /sgldUpdate: x has 4 elements, needs 5/);
  assert.throws(() => wasm.sgldUpdate(4, a, a, a, a, c, new Float64Array(4), null, s), /dU and xi are both given or both null/);
});
