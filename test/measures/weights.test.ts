import { test } from "node:test";
import assert from "node:assert/strict";
import { weightNorms } from "../../src/measures/weights/weights.js";
import { MEASURES, getMeasure, runMeasure, MEASURE_NAMES } from "../../src/measures/registry.js";
import type { MeasureContext } from "../../src/measures/measure.js";
import { createGromov } from "../../src/models/gromov.js";
import { modularDataset } from "../../src/tasks/modular.js";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { keyFromSeed } from "../../src/tensor/rng.js";

test("weights/norm of known tensors: per tensor and total (3-4-5 and 1-2-2 triangles)", () => {
  const norms = weightNorms({
    U: { shape: [2], data: Float32Array.of(3, 4) },
    V: { shape: [3], data: Float32Array.of(1, -2, 2) },
    b: { shape: [1], data: Float32Array.of(0) },
  });
  assert.deepEqual(norms, { "weights/norm": Math.sqrt(34), "weights/norm/U": 5, "weights/norm/V": 3, "weights/norm/b": 0 });
});

test("registry: the gromov init has E‖θ‖² = 2N + p (fan-in init), and runMeasure keys every value", () => {
  const data = modularDataset({ op: "add", p: 97, trainFraction: 0.5 }, keyFromSeed(1));
  const model = createGromov({ width: 500, init_scale: 1 }, data, createJsBackend());
  const ctx: MeasureContext = { params: model.init(keyFromSeed(1)), data, model, step: 0 };
  const all: Record<string, number> = {};
  for (const name of ["weights/norm", "fourier/ipr"]) Object.assign(all, runMeasure(name, MEASURES[name], ctx));
  assert.ok(MEASURE_NAMES.includes("weights/norm") && MEASURE_NAMES.includes("fourier/ipr"));
  assert.deepEqual(Object.keys(all).sort(), ["fourier/ipr", "weights/norm", "weights/norm/U", "weights/norm/V", "weights/norm/W"]);
  // ‖U‖² ~ N·p·(1/p) = N with relative sd sqrt(2/(Np)) ≈ 0.6%; the total ≈ sqrt(1097) ≈ 33.1
  assert.ok(Math.abs(all["weights/norm"] / Math.sqrt(2 * 500 + 97) - 1) < 0.02, `${all["weights/norm"]}`);
  assert.throws(() => getMeasure("fourier/entropy"), /unknown measure "fourier\/entropy".*weights\/norm/);
  assert.equal(getMeasure("weights/norm"), MEASURES["weights/norm"]);
});
