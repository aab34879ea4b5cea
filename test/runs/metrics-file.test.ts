import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyFromSeed, uniforms } from "../../src/tensor/rng.js";
import {
  readMetricsCsv,
  readMetricsParquet,
  writeMetricsCsv,
  writeMetricsParquet,
  type MetricRow,
} from "../../src/runs/metrics-file.js";

const dir = mkdtempSync(join(tmpdir(), "metrics-file-test-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Rows with awkward doubles: full-precision values, subnormals, ±0, NaN, ±Infinity, and awkward keys. */
function awkwardRows(): MetricRow[] {
  return [
    { step: 0, key: "train/loss", value: Math.PI },
    { step: 0, key: "test/acc", value: 0.1 + 0.2 },
    { step: 1, key: "fourier/ipr", value: 5e-324 },
    { step: 1, key: "weird, \"quoted\" key\n", value: -0 },
    { step: 2, key: "llc/mean", value: NaN },
    { step: 2, key: "grad/norm", value: Infinity },
    { step: 9007199254740991, key: "grad/norm", value: -Infinity },
  ];
}

function manyRows(n: number): MetricRow[] {
  const keys = ["train/loss", "train/acc", "test/loss", "test/acc", "fourier/ipr"];
  const u = uniforms(keyFromSeed(7), n);
  return Array.from({ length: n }, (_, i) => ({ step: Math.floor(i / keys.length) * 10, key: keys[i % keys.length], value: (u[i] - 0.5) * 1e3 }));
}

for (const [format, write, read] of [
  ["parquet", writeMetricsParquet, readMetricsParquet],
  ["csv", writeMetricsCsv, readMetricsCsv],
] as const) {
  test(`${format}: round trip keeps every row, in order, bit-exact`, async () => {
    const path = join(dir, `awkward.${format}`);
    const rows = awkwardRows();
    await write(path, rows);
    assert.deepEqual(await read(path), rows);
  });

  test(`${format}: empty file round trip`, async () => {
    const path = join(dir, `empty.${format}`);
    await write(path, []);
    assert.deepEqual(await read(path), []);
  });

  test(`${format}: 100k rows round trip quickly`, async () => {
    const path = join(dir, `many.${format}`);
    const rows = manyRows(100_000);
    const t0 = performance.now();
    await write(path, rows);
    const t1 = performance.now();
    const back = await read(path);
    const t2 = performance.now();
    assert.deepEqual(back, rows);
    console.log(`# ${format} 100k rows: write ${(t1 - t0).toFixed(0)} ms, read ${(t2 - t1).toFixed(0)} ms`);
    assert.ok(t2 - t0 < 5000, `100k rows took ${(t2 - t0).toFixed(0)} ms`);
  });
}

test("a failed write leaves the old file and no temporary file", async () => {
  const path = join(dir, "keep.parquet");
  await writeMetricsParquet(path, [{ step: 1, key: "a", value: 1 }]);
  const before = readFileSync(path);
  await assert.rejects(writeMetricsParquet(path, [{ step: 1.5, key: "a", value: 1 }]), (e: Error) => e.message.includes(path) && /step 1.5/.test(e.message));
  await assert.rejects(writeMetricsParquet(path, [{ step: 1, key: "", value: 1 }]), /invalid key/);
  assert.deepEqual(readFileSync(path), before);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});

test("reading a missing or foreign file fails naming the file", async () => {
  const missing = join(dir, "nope.parquet");
  await assert.rejects(readMetricsParquet(missing), (e: Error) => e.message.includes(missing));
  const foreign = join(dir, "foreign.csv");
  writeFileSync(foreign, "a,b\n1,2\n");
  await assert.rejects(readMetricsCsv(foreign), (e: Error) => e.message.includes(foreign));
});
