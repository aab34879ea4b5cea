/**
 * Gaussian draws on the backends: `Backend.normals` is rng.ts's `normals` bit for bit — the wasm kernel evaluates
 * Box–Muller with its own fdlibm log, sin and cos, two pairs at a time with selects in place of fdlibm's branches,
 * and hands the inputs those selects do not cover to the scalar functions. Checked: the scalar functions equal this
 * engine's Math.log, Math.sin and Math.cos; the vector path equals them on every lane it keeps (in float64, before
 * the draws' rounding to float32 could hide a last-bit difference) and hands over the inputs where fdlibm branches
 * differently; the draws equal rng.normals, on enough values that pairs of both rare kinds go to the scalar path.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createJsBackend } from "../../src/tensor/backend-js.js";
import { createWasmBackend, type WasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { instantiateKernels, kernelModule, MODULE_MAX_PAGES, type KernelExports } from "../../src/tensor/wasm/kernels.js";
import { spawnNodeWorker } from "../../src/tensor/wasm/node-threads.js";
import { fold, keyFromSeed, normals, uniform } from "../../src/tensor/rng.js";

const root = keyFromSeed(20261207);

function highWord(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getInt32(0);
}

function assertSame(what: string, got: Float32Array, want: Float32Array): void {
  assert.equal(got.length, want.length, `${what}: lengths differ`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: value ${i} is ${got[i]}, rng.normals gives ${want[i]}`);
}

/**
 * The pairs (of normals(key, 2·pairs)) that the kernel's selects hand to the scalar path, counted by kind: log's
 * short series (|f| < 2^-20: 1 − u close to a power of two), an angle 2πu whose high word is that of n·π/2 (fdlibm's
 * extra reduction rounds), a reduced angle below 2^-27.
 */
function rarePairs(key: ReturnType<typeof keyFromSeed>, pairs: number): { log: number; reduction: number } {
  let log = 0, reduction = 0;
  for (let q = 0; q < pairs; q++) {
    const hx = highWord(1 - uniform(key, 2 * q)) & 0xfffff;
    if (((2 + hx) & 0xfffff) < 3) log++;
    const t = 2 * Math.PI * uniform(key, 2 * q + 1), ix = highWord(t);
    const n = Math.trunc(t * 0.6366197723675814 + 0.5);
    if (ix > 0x3fe921fb && ix === highWord(n * (Math.PI / 2))) reduction++;
  }
  return { log, reduction };
}

describe("Backend.normals", () => {
  let w1: WasmBackend;
  let w2: WasmBackend;
  before(async () => {
    w1 = await createWasmBackend({ threads: 1 });
    w2 = await createWasmBackend({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 });
  });
  after(() => {
    w1?.dispose();
    w2?.dispose();
  });

  test("equals rng.normals bit for bit: odd lengths, any std, in and outside the wasm memory, 1 and 2 threads", () => {
    const js = createJsBackend();
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 4095, 4096, 4097, 8193, 30001]) {
      for (const std of [1, 0.37, 1e-3]) {
        const key = fold(root, `n${n}-std${std}`);
        const want = normals(key, n, std);
        for (const be of [js, w1, w2]) {
          const inside = be.alloc(n), outside = new Float32Array(n);
          be.normals(n, key, std, inside);
          be.normals(n, key, std, outside);
          assertSame(`${be.name} n ${n} std ${std}`, inside, want);
          assertSame(`${be.name} n ${n} std ${std}, outside its memory`, outside, want);
        }
      }
    }
  });

  test("equals rng.normals on 4M draws, among them pairs the vector path hands to the scalar one", (t) => {
    const n = 1 << 22, key = fold(root, "large");
    const rare = rarePairs(key, n / 2);
    t.diagnostic(`pairs that take fdlibm's branches: ${rare.log} by log's short series, ${rare.reduction} by the reduction's extra rounds`);
    assert.ok(rare.log >= 1 && rare.reduction >= 1, `rare pairs in these draws: ${JSON.stringify(rare)}`);
    const want = normals(key, n), got = w2.alloc(n);
    w2.normals(n, key, 1, got);
    assertSame("4M draws", got, want);
  });

  test("refuses a short output array, naming it", () => {
    assert.throws(() => w1.normals(10, root, 1, new Float32Array(9)), /normals.*out/);
  });
});

describe("the kernels' fdlibm log, sin and cos", () => {
  let ex: KernelExports;
  let lanes: Float64Array; // normalsLanesAt's block: two inputs, then log, its marks, cos, sin, their marks
  const AT = 8192;
  before(async () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: MODULE_MAX_PAGES, shared: true });
    ex = instantiateKernels(await kernelModule(), memory);
    lanes = new Float64Array(memory.buffer, AT, 12);
  });

  /** The vector path's log, cos and sin of x in both lanes, each with whether the lane was handed to fdlibm's branches. */
  function onLanes(x: number): { log: number; logRare: boolean; cos: number; sin: number; trigRare: boolean } {
    lanes[0] = x;
    lanes[1] = 0.5;
    ex.normalsLanesAt(AT);
    const marked = (i: number): boolean => new BigInt64Array(lanes.buffer, lanes.byteOffset + 8 * i, 1)[0] !== 0n;
    return { log: lanes[2], logRare: marked(4), cos: lanes[6], sin: lanes[8], trigRare: marked(10) };
  }

  test("the vector path equals Math.log, Math.cos and Math.sin on every lane it keeps, and hands over fdlibm's rare branches", () => {
    const key = fold(root, "lanes");
    const xs: number[] = [];
    for (let i = 0; i < 200_000; i++) xs.push(1 - uniform(key, 2 * i), 2 * Math.PI * uniform(key, 2 * i + 1));
    // log's short series (|f| < 2^-20): 1 and its neighbours, powers of two, the edges of the region
    const shortSeries = [1, 1 - 2 ** -53, 1 - 2 ** -30, 0.5 * (1 + 2 ** -25), 2 ** -40 * (1 - 2 ** -22), 0.25];
    // angles whose high word is that of n·π/2 (fdlibm may take more reduction rounds), and tiny ones
    const nearPio2: number[] = [2 ** -30, 2 ** -28];
    for (let n = 1; n <= 3; n++) for (const d of [-1e-7, -1e-12, 0, 1e-12, 1e-7]) nearPio2.push(n * (Math.PI / 2) * (1 + d));
    let kept = 0;
    for (const x of [...xs, ...shortSeries, ...nearPio2, Math.PI / 4, 0.7853981852531433, 2 * Math.PI - 1e-9]) {
      const r = onLanes(x);
      if (!r.logRare) {
        kept++;
        if (!Object.is(r.log, Math.log(x))) assert.fail(`vector log(${x}) = ${r.log}, Math.log ${Math.log(x)}`);
      }
      if (x < 2 * Math.PI && !r.trigRare) {
        kept++;
        if (!Object.is(r.cos, Math.cos(x)) || !Object.is(r.sin, Math.sin(x))) assert.fail(`vector cos, sin(${x}) = ${r.cos}, ${r.sin}; Math: ${Math.cos(x)}, ${Math.sin(x)}`);
      }
    }
    assert.ok(kept > 790_000, `lanes kept by the vector path: ${kept}`);
    for (const x of shortSeries) assert.ok(onLanes(x).logRare, `log(${x}) lies in fdlibm's short series and must go to the scalar path`);
    for (const x of nearPio2) assert.ok(onLanes(x).trigRare, `the angle ${x} must go to the scalar path`);
  });

  test("equal Math.log, Math.sin and Math.cos bit for bit", () => {
    const key = fold(root, "math");
    const logs = [1, 0.5, 2, 1 + 2 ** -52, 1 - 2 ** -53, 2 ** -1074, 2 ** -1022, 1.5 * 2 ** -1030, Number.MAX_VALUE, Math.SQRT2, Math.SQRT1_2, 0, -0, -1, Infinity, NaN];
    // multiples of π/2 and their neighbours (fdlibm's second and third reduction rounds), tiny and signed arguments
    const trig = [0, -0, 2 ** -30, -(2 ** -28), Math.PI / 4, 0.7853981852531433, 3 * Math.PI / 4, 1e5, -1e5, 823549.6];
    for (let n = 1; n <= 64; n++) for (const d of [-2, -1, 0, 1, 2]) trig.push(n * (Math.PI / 2) + d * 2 ** -40 * n, -n * (Math.PI / 2));
    for (let i = 0; i < 300_000; i++) {
      const u = uniform(key, 2 * i), v = uniform(key, 2 * i + 1);
      logs.push(u, 1 - u, 2 ** (2000 * v - 1000) * (1 + u), 1 + (u - 0.5) * 2 ** -18);
      trig.push(2 * Math.PI * u, (v - 0.5) * 2 ** (40 * u - 20), (u - 0.5) * 1.6e6);
    }
    for (const x of logs) if (!Object.is(ex.exactLog(x), Math.log(x))) assert.fail(`log(${x}): ${ex.exactLog(x)} vs Math.log ${Math.log(x)}`);
    for (const x of trig) {
      if (!Object.is(ex.exactSin(x), Math.sin(x))) assert.fail(`sin(${x}): ${ex.exactSin(x)} vs Math.sin ${Math.sin(x)}`);
      if (!Object.is(ex.exactCos(x), Math.cos(x))) assert.fail(`cos(${x}): ${ex.exactCos(x)} vs Math.cos ${Math.cos(x)}`);
    }
  });
});
