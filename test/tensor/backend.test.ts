// Every kernel of the wasm backend against the js reference (backend-js.ts), on odd shapes and all options;
// bit-identity across thread counts; arrays outside the wasm memory (the copying slow path).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Backend, GemmOptions } from "../../src/tensor/backend.js";
import { biasReluJs, createJsBackend, gatherSumSquareJs, gemmJs, scatterAdd2Js } from "../../src/tensor/backend-js.js";
import { createBackend, runThreads } from "../../src/tensor/backend-select.js";
import { createWasmBackend, type WasmBackend } from "../../src/tensor/wasm/backend-wasm.js";
import { spawnNodeWorker } from "../../src/tensor/wasm/node-threads.js";
import { fold, keyFromSeed, normals, randint, uniform, type Key } from "../../src/tensor/rng.js";
import { attentionBackward, attentionForward, type AttentionShape } from "../../src/tensor/kernels/attention.js";
import { gatherRowsSum, scatterRowsAdd } from "../../src/tensor/kernels/gather.js";
import { softmaxCrossEntropyRows } from "../../src/tensor/kernels/cross-entropy.js";
import { mseRows } from "../../src/tensor/kernels/mse.js";
import { adamUpdate, type AdamCoefficients } from "../../src/tensor/kernels/adam.js";
import { stableMaxCrossEntropyRows } from "../../src/tensor/kernels/stablemax.js";

/** float32's smallest normal number: below it a value is subnormal. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

const root = keyFromSeed(20240611);
const reference = createJsBackend();

function randn(key: Key, n: number, into?: Float32Array): Float32Array {
  const x = normals(key, n);
  if (!into) return x;
  into.set(x);
  return into;
}

function randIndex(key: Key, n: number, rows: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = randint(key, i, rows);
  return out;
}

function abs(x: Float32Array): Float32Array {
  return x.map(Math.abs);
}

/**
 * |got - want| ≤ rtol·√k·bound elementwise, where bound = |op(A)|·|op(B)| (times |scale·mul|): the scale of the
 * rounding error of a length-k float32 dot product (it grows like √k for random signs).
 */
function assertGemmClose(what: string, got: Float32Array, want: Float32Array, bound: Float32Array, k: number, rtol = 2e-6): void {
  const f = rtol * Math.sqrt(Math.max(k, 1));
  for (let i = 0; i < want.length; i++) {
    const tol = f * bound[i] + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      assert.fail(`${what}: element ${i}: got ${got[i]}, want ${want[i]} (tolerance ${tol})`);
    }
  }
}

/**
 * Element by element the same value (Object.is: +0 and −0 differ, every NaN is NaN). For outputs that can hold NaN:
 * a NaN's sign and payload depend on which tier of V8 ran the reference's negation, so bits would make the test flaky.
 */
function assertSameValues(what: string, a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
}

function assertBitsEqual(what: string, a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** Normal draws with exact zeros (+0 and −0) at every 5th and 7th position: ReLU′(0) = 0 must hold at them. */
function randnWithZeros(key: Key, n: number, into?: Float32Array): Float32Array {
  const x = randn(key, n, into);
  for (let i = 0; i < n; i += 5) x[i] = 0;
  for (let i = 3; i < n; i += 7) x[i] = -0;
  return x;
}

/** The four elementwise ops' outputs on `be` for one (n, d), with arrays from `make` (backend memory or plain). */
function elementwiseOutputs(be: Backend, key: Key, n: number, d: number, make: (len: number) => Float32Array): Float32Array[] {
  const fill = (label: string, len: number, zeros = false): Float32Array => (zeros ? randnWithZeros : randn)(fold(key, label), len, make(len));
  const X = fill("X", n * d), b = fill("b", d);
  be.addRowVector(n, d, X, b);
  const pre = fill("pre", n * d, true), post = make(n * d);
  be.biasRelu(n, d, pre, b, post);
  const pre2 = fill("pre", n * d, true), post2 = make(n * d);
  be.biasRelu(n, d, pre2, null, post2);
  const g = fill("g", n * d), sums = fill("sums", d); // sums start non-zero: they must be overwritten
  be.reluBackward(n, d, pre2, g, sums);
  const g2 = fill("g", n * d);
  be.reluBackward(n, d, pre2, g2, null);
  const cs = fill("cs", d);
  be.columnSums(n, d, post, cs);
  // products with zeros of both signs and large magnitudes (rounded once, from float64), set and accumulated
  const ma = fill("ma", n * d, true).map((v, i) => (i % 7 === 3 ? -0 : v * 1e20)), mb = fill("mb", n * d, true);
  const prod = make(n * d), acc = fill("acc", n * d);
  be.mulArrays(n * d, ma, mb, prod, false);
  be.mulArrays(n * d, ma, mb, acc, true);
  return [X, pre, post, post2, g, sums, g2, cs, prod, acc];
}

const ELEMENTWISE_OUTPUTS = ["addRowVector X", "biasRelu pre", "biasRelu post", "relu (no bias) post", "reluBackward g", "reluBackward colSums", "reluBackward (no sums) g", "columnSums", "mulArrays", "mulArrays (accumulate)"];

interface GemmCase {
  m: number;
  n: number;
  k: number;
  opts: GemmOptions;
}

const COMBOS: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

/** Runs one gemm case on `be` (operands allocated in its memory) and checks it against the reference. */
function checkGemm(be: Backend, key: Key, c: GemmCase): void {
  const { m, n, k, opts } = c;
  const A = randn(fold(key, "A"), m * k, be.alloc(m * k));
  const B = randn(fold(key, "B"), k * n, be.alloc(k * n));
  const C0 = randn(fold(key, "C"), m * n);
  const mul = opts.mul ? randn(fold(key, "mul"), m * n, be.alloc(m * n)) : undefined;
  const o: GemmOptions = { ...opts, mul };
  const want = C0.slice();
  gemmJs(m, n, k, A, B, want, o);
  const bound = new Float32Array(m * n);
  gemmJs(m, n, k, abs(A), abs(B), bound, { ...o, mul: mul && abs(mul), scale: Math.abs(o.scale ?? 1) });
  if (opts.accumulate) for (let i = 0; i < bound.length; i++) bound[i] += Math.abs(C0[i]);
  const C = be.alloc(m * n);
  C.set(C0);
  be.gemm(m, n, k, A, B, C, o);
  assertGemmClose(`gemm m=${m} n=${n} k=${k} ${JSON.stringify({ ...opts, mul: !!mul })}`, C, want, bound, k);
}

/** Logits [n, C] drawn from `key` and scaled by `spread`, with (when C > 2) a tie at the top of row 0, a NaN and ±Inf. */
function edgyLogits(key: Key, n: number, C: number, spread: (v: number, i: number) => number): Float32Array {
  const logits = randn(fold(key, "z"), n * C).map(spread);
  if (C > 2) {
    logits[3] = logits[4] = 9;
    logits[C + 1] = NaN;
    logits[2 * C] = Infinity;
    logits[3 * C + 2] = -Infinity;
  }
  return logits;
}

describe("wasm backend", () => {
  let w1: WasmBackend;
  let w2: WasmBackend;
  let w2all: WasmBackend; // two threads even for tiny calls, to test the split on odd shapes
  before(async () => {
    w1 = await createWasmBackend({ threads: 1 });
    w2 = await createWasmBackend({ threads: 2, spawnWorker: spawnNodeWorker });
    w2all = await createWasmBackend({ threads: 2, spawnWorker: spawnNodeWorker, minParallelWork: 0 });
  });
  after(() => {
    w1?.dispose();
    w2?.dispose();
    w2all?.dispose();
  });

  test("gemm matches the reference for every transpose combination on odd shapes", () => {
    const sizes = [1, 3, 4, 5, 7, 8, 9, 13, 31, 97];
    let key = fold(root, "gemm-shapes");
    for (let t = 0; t < 40; t++) {
      key = fold(key, t);
      const m = sizes[randint(key, 0, sizes.length)];
      const n = sizes[randint(key, 1, sizes.length)];
      const k = [1, 3, 8, 97, 300, 517][randint(key, 2, 6)];
      for (const [transA, transB] of COMBOS) {
        for (const be of [w1, w2all]) checkGemm(be, fold(key, "data"), { m, n, k, opts: { transA, transB } });
      }
    }
  });

  test("gemm accumulate and mul epilogue (with scale), every transpose combination", () => {
    const shapes: Array<[number, number, number]> = [[37, 29, 300], [6, 11, 5], [9, 17, 600]];
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of COMBOS) {
        const key = fold(root, `epi-${m}-${n}-${k}-${transA}-${transB}`);
        for (const be of [w1, w2all]) {
          checkGemm(be, key, { m, n, k, opts: { transA, transB, accumulate: true } });
          checkGemm(be, key, { m, n, k, opts: { transA, transB, mul: new Float32Array(0), scale: -2.5 } });
        }
      }
    }
  });

  test("gemm on the gromov training shapes (n=4704, N=500, p=97)", () => {
    const key = fold(root, "gromov");
    checkGemm(w2, fold(key, "Z"), { m: 4704, n: 97, k: 500, opts: { transB: true } });
    checkGemm(w2, fold(key, "dW"), { m: 97, n: 500, k: 4704, opts: { transA: true } });
    checkGemm(w2, fold(key, "dH"), { m: 4704, n: 500, k: 97, opts: { mul: new Float32Array(0), scale: 2 } });
  });

  test("gemm with k = 0 gives zeros (or leaves C when accumulating); empty outputs are fine", () => {
    for (const [transA, transB] of COMBOS) {
      const C = w1.alloc(12).fill(7);
      w1.gemm(3, 4, 0, w1.alloc(0), w1.alloc(0), C, { transA, transB });
      assert.deepEqual([...C], new Array(12).fill(0));
      C.fill(7);
      w1.gemm(3, 4, 0, w1.alloc(0), w1.alloc(0), C, { transA, transB, accumulate: true });
      assert.deepEqual([...C], new Array(12).fill(7));
    }
    w1.gemm(0, 5, 3, w1.alloc(0), w1.alloc(15), w1.alloc(0));
  });

  test("gatherSumSquare and scatterAdd2 match the reference", () => {
    for (const [n, d, rows] of [[1, 1, 1], [7, 3, 2], [50, 13, 5], [4704, 500, 97], [333, 2, 10]] as const) {
      const key = fold(root, `gather-${n}-${d}`);
      for (const be of [w1, w2all]) {
        const TA = randn(fold(key, "TA"), rows * d, be.alloc(rows * d));
        const TB = randn(fold(key, "TB"), rows * d, be.alloc(rows * d));
        const ia = randIndex(fold(key, "ia"), n, rows);
        const ib = randIndex(fold(key, "ib"), n, rows);
        const H = be.alloc(n * d), S = be.alloc(n * d);
        be.gatherSumSquare(n, d, TA, ia, TB, ib, H, S);
        const Hr = new Float32Array(n * d), Sr = new Float32Array(n * d);
        gatherSumSquareJs(n, d, TA, ia, TB, ib, Hr, Sr);
        assertBitsEqual("H", H, Hr); // a single float32 add
        assertGemmClose("S", S, Sr, Sr, 1);
        // scatterAdd2 into tables that already hold values; the sum over up to n/rows terms per element.
        const dTA = randn(fold(key, "dTA"), rows * d, be.alloc(rows * d));
        const dTB = randn(fold(key, "dTB"), rows * d, be.alloc(rows * d));
        const wantA = dTA.slice(), wantB = dTB.slice();
        scatterAdd2Js(n, d, S, ia, wantA, ib, wantB);
        be.scatterAdd2(n, d, S, ia, dTA, ib, dTB);
        const bound = new Float32Array(rows * d).fill(0);
        scatterAdd2Js(n, d, abs(S), ia, bound, ib, new Float32Array(rows * d));
        for (let i = 0; i < bound.length; i++) bound[i] += Math.abs(wantA[i]);
        assertGemmClose("dTA", dTA, wantA, bound, n);
        // One table for both operands: each row receives both scatters.
        const T = be.alloc(rows * d), Tr = new Float32Array(rows * d);
        be.scatterAdd2(n, d, S, ia, T, ib, T);
        scatterAdd2Js(n, d, S, ia, Tr, ib, Tr);
        const bt = new Float32Array(rows * d);
        scatterAdd2Js(n, d, abs(S), ia, bt, ib, bt);
        assertGemmClose("shared table", T, Tr, bt, 2 * n);
      }
    }
  });

  /** Each case on 1 thread, 2 threads and 2 threads splitting every call: the three results must be bit-identical. */
  function gemmBitsAcrossThreads(key: Key, label: string, cases: readonly GemmCase[]): void {
    for (const c of cases) {
      const outs = [w1, w2, w2all].map((be) => {
        const k2 = fold(key, `${label}${c.m}-${c.n}-${c.k}`);
        const A = randn(fold(k2, "A"), c.m * c.k, be.alloc(c.m * c.k));
        const B = randn(fold(k2, "B"), c.k * c.n, be.alloc(c.k * c.n));
        const C = randn(fold(k2, "C"), c.m * c.n, be.alloc(c.m * c.n));
        const mul = c.opts.mul ? randn(fold(k2, "mul"), c.m * c.n, be.alloc(c.m * c.n)) : undefined;
        be.gemm(c.m, c.n, c.k, A, B, C, { ...c.opts, mul });
        return C;
      });
      assertBitsEqual(`gemm ${c.m}x${c.n}x${c.k} 1 vs 2 threads`, outs[0], outs[1]);
      assertBitsEqual(`gemm ${c.m}x${c.n}x${c.k} 1 vs 2 threads (all calls split)`, outs[0], outs[2]);
    }
  }

  test("results are bit-identical for 1 and 2 threads", () => {
    const key = fold(root, "bits");
    const cases: GemmCase[] = [
      { m: 4704, n: 97, k: 500, opts: { transB: true } },
      { m: 97, n: 500, k: 4704, opts: { transA: true } },
      { m: 4704, n: 500, k: 97, opts: { mul: new Float32Array(0), scale: 2 } },
      { m: 61, n: 203, k: 777, opts: { transA: true, transB: true, accumulate: true } },
      { m: 203, n: 61, k: 777, opts: { accumulate: true } },
      { m: 13, n: 3, k: 9, opts: { transB: true } },
    ];
    gemmBitsAcrossThreads(key, "", cases);
    // The comparison means something only if the helper thread really took part.
    assert.ok(w2.threadStats().helperRuns > 0, `the helper thread never joined: ${JSON.stringify(w2.threadStats())}`);
    const [n, d, rows] = [4704, 501, 97];
    const ia = randIndex(fold(key, "ia"), n, rows), ib = randIndex(fold(key, "ib"), n, rows);
    const outs = [w1, w2, w2all].map((be) => {
      const TA = randn(fold(key, "TA"), rows * d, be.alloc(rows * d));
      const TB = randn(fold(key, "TB"), rows * d, be.alloc(rows * d));
      const H = be.alloc(n * d), S = be.alloc(n * d);
      be.gatherSumSquare(n, d, TA, ia, TB, ib, H, S);
      const dTA = be.alloc(rows * d), dTB = be.alloc(rows * d);
      be.scatterAdd2(n, d, S, ia, dTA, ib, dTB);
      return [S, dTA, dTB];
    });
    for (let t = 1; t < outs.length; t++) {
      outs[0].forEach((x, i) => assertBitsEqual(`gather/scatter output ${i}, backend ${t}`, x, outs[t][i]));
    }
  });

  test("A·Bᵀ with k ≥ 64 sums in the dot path's order, bit for bit (lanes p mod 4, lanes pairwise, then the tail)", () => {
    // The order training results depend on: a faster kernel must keep it, or say why the runs' bits change.
    const f = Math.fround;
    const dotOrder = (A: Float32Array, B: Float32Array, i: number, j: number, k: number): number => {
      const lane = [0, 0, 0, 0];
      for (let p = 0; p < (k & ~3); p++) lane[p & 3] = f(lane[p & 3] + f(A[i * k + p] * B[j * k + p]));
      let t = f(f(lane[0] + lane[1]) + f(lane[2] + lane[3]));
      for (let p = k & ~3; p < k; p++) t = f(t + f(A[i * k + p] * B[j * k + p]));
      return t;
    };
    const key = fold(root, "dot-order");
    for (const [m, n, k] of [[9, 7, 64], [13, 5, 67], [4, 2, 130], [6, 9, 301]] as const) {
      const A = randn(fold(key, `A${k}`), m * k), B = randn(fold(key, `B${k}`), n * k);
      const C0 = randn(fold(key, `C${k}`), m * n), M = randn(fold(key, `M${k}`), m * n);
      for (const be of [w1, w2all]) {
        for (const mode of ["plain", "accumulate", "mul"] as const) {
          const C = C0.slice();
          be.gemm(m, n, k, A, B, C, mode === "plain" ? { transB: true } : mode === "accumulate" ? { transB: true, accumulate: true } : { transB: true, mul: M, scale: -2.5 });
          const want = new Float32Array(m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const t = dotOrder(A, B, i, j, k), c = i * n + j;
              want[c] = mode === "plain" ? t : mode === "accumulate" ? f(C0[c] + t) : f(f(-2.5 * M[c]) * t);
            }
          }
          assertBitsEqual(`A·Bᵀ ${m}x${n}x${k} ${mode}`, C, want);
        }
      }
    }
  });

  test("arrays outside the wasm memory give the same bits (copy in / copy out)", () => {
    const key = fold(root, "slow");
    for (const [transA, transB] of COMBOS) {
      const [m, n, k] = [21, 35, 130];
      const A = randn(fold(key, "A"), m * k), B = randn(fold(key, "B"), k * n), C0 = randn(fold(key, "C"), m * n);
      const mul = randn(fold(key, "M"), m * n);
      for (const o of [{ transA, transB }, { transA, transB, accumulate: true }, { transA, transB, mul, scale: 0.5 }]) {
        const Cplain = C0.slice();
        w2all.gemm(m, n, k, A, B, Cplain, o);
        const Aw = w2all.alloc(m * k), Bw = w2all.alloc(k * n), Cw = w2all.alloc(m * n), Mw = w2all.alloc(m * n);
        Aw.set(A); Bw.set(B); Cw.set(C0); Mw.set(mul);
        w2all.gemm(m, n, k, Aw, Bw, Cw, { ...o, mul: o.mul && Mw });
        assertBitsEqual(`slow path gemm ${JSON.stringify({ transA, transB, acc: !!o.accumulate, mul: !!o.mul })}`, Cplain, Cw);
      }
    }
    const [n, d, rows] = [100, 37, 9];
    const TA = randn(fold(key, "TA"), rows * d), TB = randn(fold(key, "TB"), rows * d);
    const ia = randIndex(fold(key, "ia"), n, rows), ib = randIndex(fold(key, "ib"), n, rows);
    const H = new Float32Array(n * d), S = new Float32Array(n * d), Hr = new Float32Array(n * d), Sr = new Float32Array(n * d);
    w1.gatherSumSquare(n, d, TA, ia, TB, ib, H, S);
    gatherSumSquareJs(n, d, TA, ia, TB, ib, Hr, Sr);
    assertBitsEqual("slow path gather H", H, Hr);
    const dTA = randn(fold(key, "dTA"), rows * d), dTB = dTA.slice();
    const dTAw = w1.alloc(rows * d), dTBw = w1.alloc(rows * d);
    dTAw.set(dTA); dTBw.set(dTB);
    w1.scatterAdd2(n, d, S, ia, dTA, ib, dTB);
    w1.scatterAdd2(n, d, S, ia, dTAw, ib, dTBw);
    assertBitsEqual("slow path scatter dTA", dTA, dTAw);
    assertBitsEqual("slow path scatter dTB", dTB, dTBw);
  });

  test("gemm thin shapes (small k, narrow n) match the reference with every option", () => {
    const shapes: Array<[number, number, number]> = [];
    for (const k of [1, 2, 3, 4]) for (const [m, n] of [[1000, 64], [37, 5], [3, 1], [13, 31]]) shapes.push([m, n, k]);
    for (const n of [1, 2, 3, 4]) for (const [m, k] of [[1000, 64], [64, 1000], [31, 5], [17, 97]]) shapes.push([m, n, k]);
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of COMBOS) {
        const key = fold(root, `thin-${m}-${n}-${k}-${transA}-${transB}`);
        for (const be of [w1, w2all]) {
          checkGemm(be, key, { m, n, k, opts: { transA, transB } });
          checkGemm(be, key, { m, n, k, opts: { transA, transB, accumulate: true } });
          checkGemm(be, key, { m, n, k, opts: { transA, transB, mul: new Float32Array(0), scale: -1.5 } });
        }
      }
    }
  });

  test("elementwise ops match the reference bit for bit on odd shapes", () => {
    // Column sums are defined as float64 sums in row order rounded once, so they too must match bit for bit.
    const sizes = [1, 2, 3, 31, 64, 97, 1000]; // d = 1, 2: the bias add's flat path (b repeated in a vector)
    for (const n of sizes) {
      for (const d of sizes) {
        const key = fold(root, `elementwise-${n}-${d}`);
        const want = elementwiseOutputs(reference, key, n, d, (len) => new Float32Array(len));
        for (const be of [w1, w2all]) {
          const got = elementwiseOutputs(be, key, n, d, (len) => be.alloc(len));
          got.forEach((x, i) => assertBitsEqual(`${ELEMENTWISE_OUTPUTS[i]} n=${n} d=${d} on ${be.name}`, x, want[i]));
        }
      }
    }
  });

  test("transpose moves every value to its place, bit for bit, in and outside the wasm memory", () => {
    const sizes = [1, 2, 3, 4, 5, 17, 53, 64, 1024];
    for (const r of sizes) {
      for (const c of sizes) {
        const x = randn(fold(root, `transpose-${r}-${c}`), r * c);
        x[0] = NaN; // moved, never computed on: NaN, −0 and the rest keep their bits
        if (r * c > 1) x[r * c - 1] = -0;
        const want = new Float32Array(r * c);
        reference.transpose(r, c, x, want);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) assert.ok(Object.is(want[j * r + i], x[i * c + j]), `reference transpose ${r}x${c} at ${i}, ${j}`);
        for (const be of [w1, w2all]) {
          const xw = be.alloc(r * c), out = be.alloc(r * c);
          xw.set(x);
          be.transpose(r, c, xw, out);
          assertBitsEqual(`transpose ${r}x${c} on ${be.name}`, out, want);
          const plain = new Float32Array(r * c);
          be.transpose(r, c, x, plain);
          assertBitsEqual(`transpose ${r}x${c} on ${be.name}, arrays outside its memory`, plain, want);
        }
      }
    }
    assert.throws(() => w1.transpose(2, 3, new Float32Array(5), new Float32Array(6)), /transpose/);
  });

  test("dropoutMask is uniform(key, i) < p ? 0 : 1/(1 − p), bit for bit, with p on a draw's edges too", () => {
    const key = fold(root, "dropout");
    // p equal to a draw, and the next double above it: the first 27 bits leave those open, the second draw decides
    const u = uniform(key, 4101), next = u + 2 ** -53;
    for (const p of [0, 0.1, 0.3, 0.5, 0.9, u, next]) {
      for (const n of [0, 1, 3, 4, 5, 4097, 10001]) {
        const want = new Float32Array(n);
        for (let i = 0; i < n; i++) want[i] = uniform(key, i) < p ? 0 : 1 / (1 - p);
        for (const be of [reference, w1, w2all]) {
          const inside = be.alloc(n), outside = new Float32Array(n);
          be.dropoutMask(n, key, p, inside);
          be.dropoutMask(n, key, p, outside);
          assertBitsEqual(`dropoutMask p ${p} n ${n} on ${be.name}`, inside, want);
          assertBitsEqual(`dropoutMask p ${p} n ${n} on ${be.name}, outside its memory`, outside, want);
        }
      }
    }
    assert.ok(uniform(key, 4101) < next && !(uniform(key, 4101) < u), "the edge case sits on draw 4101");
  });

  test("allFinite finds a NaN or ±Inf at any position (vector body and tail), in and outside the wasm memory", () => {
    for (const len of [0, 1, 3, 4, 7, 64, 1001]) {
      for (const be of [reference, w1, w2all]) {
        const inside = be.alloc(len), outside = new Float32Array(len);
        for (const x of [inside, outside]) {
          x.set(randn(fold(root, `finite-${len}`), len).map((v) => v * 1e30)); // large but finite
          if (len > 0) x[len - 1] = -0;
          assert.equal(be.allFinite(x), true, `${be.name} len ${len}: all finite`);
          for (const at of [0, len >> 1, len - 1].filter((i) => i >= 0 && i < len)) {
            for (const bad of [NaN, Infinity, -Infinity]) {
              const keep = x[at];
              x[at] = bad;
              assert.equal(be.allFinite(x), false, `${be.name} len ${len}: ${bad} at ${at}`);
              x[at] = keep;
            }
          }
        }
      }
    }
  });

  test("ReLU and its derivative at 0, −0, NaN and ±Inf (ReLU′(0) = 0, as PyTorch)", () => {
    const special = [-2, -0, 0, 1e-30, 3, NaN, Infinity, -Infinity];
    const reluWant = [0, 0, 0, Math.fround(1e-30), 3, 0, Infinity, 0];
    const gradWant = [0, 0, 0, 1, 1, 0, 1, 0];
    for (const be of [w1, w2all]) {
      for (const d of [1, 8, 21]) {
        // pre[r, j] = special[(r + j) mod n]: every column holds each special value once, and both the vector
        // body and the scalar tail of a row see each of them.
        const n = special.length;
        const at = (i: number): number => (Math.floor(i / d) + (i % d)) % n;
        const pre = be.alloc(n * d), post = be.alloc(n * d), g = be.alloc(n * d), sums = be.alloc(d);
        for (let i = 0; i < n * d; i++) pre[i] = special[at(i)];
        be.biasRelu(n, d, pre, null, post);
        g.fill(1);
        be.reluBackward(n, d, pre, g, sums);
        for (let i = 0; i < n * d; i++) {
          const s = at(i);
          assert.ok(Object.is(post[i], reluWant[s]), `relu(${special[s]}) = ${post[i]} on ${be.name}, d=${d}`);
          assert.ok(Object.is(g[i], gradWant[s]), `relu′(${special[s]}) = ${g[i]} on ${be.name}, d=${d}`);
        }
        // Every column holds each special value once: 3 of them (1e-30, 3, ∞) pass a gradient of 1.
        assert.deepEqual([...sums], new Array(d).fill(3), `column sums of the masked gradient on ${be.name}, d=${d}`);
      }
    }
  });

  test("elementwise ops on empty shapes: nothing to do, column sums of zero rows are zero", () => {
    for (const be of [w1, w2all]) {
      const out = be.alloc(3).fill(5);
      be.columnSums(0, 3, be.alloc(0), out);
      assert.deepEqual([...out], [0, 0, 0]);
      out.fill(5);
      be.reluBackward(0, 3, be.alloc(0), be.alloc(0), out);
      assert.deepEqual([...out], [0, 0, 0]);
      be.addRowVector(0, 3, be.alloc(0), out);
      be.biasRelu(4, 0, be.alloc(0), null, be.alloc(0));
      assert.deepEqual([...out], [0, 0, 0]);
    }
  });

  test("elementwise ops and thin gemms give the same bits for 1 and 2 threads", () => {
    const key = fold(root, "elementwise-bits");
    const before = w2.threadStats().helperRuns + w2all.threadStats().helperRuns;
    // Large enough that the default backend splits them too (n·d ≥ 2^18), and odd shapes split on every call.
    for (const [n, d] of [[4704, 97], [1000, 333], [97, 1000], [1000, 64], [31, 3]] as const) {
      const outs = [w1, w2, w2all].map((be) => elementwiseOutputs(be, fold(key, `${n}-${d}`), n, d, (len) => be.alloc(len)));
      for (let t = 1; t < outs.length; t++) {
        outs[0].forEach((x, i) => assertBitsEqual(`${ELEMENTWISE_OUTPUTS[i]} n=${n} d=${d}, backend ${t}`, x, outs[t][i]));
      }
    }
    const cases: GemmCase[] = [
      { m: 1000, n: 64, k: 31, opts: {} },
      { m: 1000, n: 2, k: 64, opts: {} },
      { m: 64, n: 2, k: 1000, opts: { transA: true } },
      { m: 1000, n: 64, k: 2, opts: { transB: true } },
      { m: 31, n: 64, k: 1000, opts: { transA: true } },
      { m: 4704, n: 3, k: 97, opts: { transA: true, transB: true, accumulate: true } },
      { m: 4704, n: 500, k: 3, opts: { mul: new Float32Array(0), scale: 2 } },
    ];
    gemmBitsAcrossThreads(key, "gemm-", cases);
    const after = w2.threadStats().helperRuns + w2all.threadStats().helperRuns;
    assert.ok(after > before, "the helper thread never joined these calls");
  });

  test("elementwise ops on arrays outside the wasm memory give the reference bits (copy in / copy out)", () => {
    const key = fold(root, "elementwise-plain");
    for (const [n, d] of [[97, 31], [1000, 64], [3, 2]] as const) {
      const want = elementwiseOutputs(reference, key, n, d, (len) => new Float32Array(len));
      for (const be of [w1, w2all]) {
        const plain = elementwiseOutputs(be, key, n, d, (len) => new Float32Array(len));
        plain.forEach((x, i) => assertBitsEqual(`plain ${ELEMENTWISE_OUTPUTS[i]} n=${n} d=${d} on ${be.name}`, x, want[i]));
        // Mixed: every other array in the wasm memory.
        let j = 0;
        const mixed = elementwiseOutputs(be, key, n, d, (len) => (j++ % 2 === 0 ? new Float32Array(len) : be.alloc(len)));
        mixed.forEach((x, i) => assertBitsEqual(`mixed ${ELEMENTWISE_OUTPUTS[i]} n=${n} d=${d} on ${be.name}`, x, want[i]));
      }
    }
    // pre and post one array: post ends up holding the ReLU, as in the reference.
    const x = randnWithZeros(fold(key, "same"), 50), y = x.slice(), b = randn(fold(key, "b"), 5);
    w1.biasRelu(10, 5, x, b, x);
    biasReluJs(10, 5, y, b, y);
    assertBitsEqual("biasRelu in place", x, y);
  });

  test("bad input is rejected with a message naming the argument", () => {
    const TA = w1.alloc(3 * 4), H = w1.alloc(8), S = w1.alloc(8);
    assert.throws(() => w1.gatherSumSquare(2, 4, TA, new Int32Array([0, 3]), TA, new Int32Array([0, 1]), H, S), /ia holds indices in \[0, 3\], the table has 3 rows/);
    assert.throws(() => w1.gemm(4, 4, 4, w1.alloc(15), w1.alloc(16), w1.alloc(16)), /A has 15 elements, needs 16/);
    assert.throws(() => w1.gemm(2, 2, 2, w1.alloc(4), w1.alloc(4), w1.alloc(4), { mul: w1.alloc(4), accumulate: true }), /mul epilogue/);
    assert.throws(() => w1.biasRelu(2, 4, w1.alloc(8), w1.alloc(3), w1.alloc(8)), /biasRelu: b has 3 elements, needs 4/);
    assert.throws(() => w1.reluBackward(2, 4, w1.alloc(8), w1.alloc(7), null), /reluBackward: g has 7 elements, needs 8/);
    assert.throws(() => w1.columnSums(2, 4, w1.alloc(8), w1.alloc(2)), /columnSums: out has 2 elements, needs 4/);
    assert.throws(() => w1.addRowVector(2.5, 4, w1.alloc(8), w1.alloc(4)), /addRowVector: n must be a non-negative integer/);
  });

  test("index arrays: copied once, and fresh arrays every step (minibatches) do not grow memory", () => {
    const be = w1;
    const [n, d, rows] = [3000, 8, 50];
    const key = fold(root, "index-ring");
    const TA = randn(fold(key, "TA"), rows * d, be.alloc(rows * d)), TB = randn(fold(key, "TB"), rows * d, be.alloc(rows * d));
    const H = be.alloc(n * d), S = be.alloc(n * d), Hr = new Float32Array(n * d), Sr = new Float32Array(n * d);
    const first = randIndex(fold(key, "first"), n, rows), firstB = randIndex(fold(key, "firstB"), n, rows);
    be.gatherSumSquare(n, d, TA, first, TB, firstB, H, S);
    const before = be.bytesUsed();
    be.gatherSumSquare(n, d, TA, first, TB, firstB, H, S);
    assert.equal(be.bytesUsed(), before, "a cached index array is not copied again");
    for (let step = 0; step < 300; step++) {
      const ia = randIndex(fold(key, step), n, rows), ib = ia.map((v) => rows - 1 - v);
      be.gatherSumSquare(n, d, TA, ia, TB, ib, H, S);
      if (step % 97 === 0) {
        gatherSumSquareJs(n, d, TA, ia, TB, ib, Hr, Sr);
        assertBitsEqual(`H at step ${step}`, H, Hr);
      }
    }
    assert.ok(be.bytesUsed() - before < 2 << 20, `memory grew by ${be.bytesUsed() - before} bytes over 300 fresh index arrays`);
    // The first arrays were evicted long ago; they are copied again and still give the right answer.
    be.gatherSumSquare(n, d, TA, first, TB, firstB, H, S);
    gatherSumSquareJs(n, d, TA, first, TB, firstB, Hr, Sr);
    assertBitsEqual("H after eviction", H, Hr);
  });

  test("attention forward and backward are bit-identical to the reference (float64 sums, fdlibm exp) on every thread count", () => {
    // Shapes: every query position and the last only; odd example counts (chunks of 32 split unevenly); T up to 9;
    // large scores, so the softmax's max subtraction and exp's range reduction are exercised.
    const cases: Array<[number, number, number, number, number[]]> = [
      [1, 3, 1, 1, [2]],
      [77, 3, 4, 8, [0, 1, 2]],
      [77, 3, 4, 8, [2]],
      [45, 9, 2, 5, [0, 1, 2, 3, 4, 5, 6, 7, 8]],
      [130, 4, 3, 32, [3]],
    ];
    for (const [n, T, H, e, pos] of cases) {
      const s: AttentionShape = { n, T, heads: H, dHead: e, qPos: Int32Array.from(pos) };
      const P = pos.length, key = fold(root, `attention/${n}/${T}/${P}`);
      const q0 = randn(fold(key, "q"), n * P * H * e).map((v) => 3 * v), kv0 = randn(fold(key, "kv"), n * T * 2 * H * e).map((v) => 3 * v);
      const dz0 = randn(fold(key, "dz"), n * P * H * e);
      const want = { pattern: new Float32Array(n * H * P * T), z: new Float32Array(n * P * H * e), dq: new Float32Array(n * P * H * e), dkv: new Float32Array(n * T * 2 * H * e) };
      attentionForward(s, q0, kv0, want.pattern, want.z);
      attentionBackward(s, q0, kv0, want.pattern, dz0, want.dq, want.dkv);
      for (const be of [w1, w2all]) {
        const put = (x: Float32Array) => {
          const a = be.alloc(x.length);
          a.set(x);
          return a;
        };
        const q = put(q0), kv = put(kv0), dz = put(dz0);
        const pattern = put(new Float32Array(n * H * P * T).fill(7)), z = be.alloc(n * P * H * e); // stale values must be overwritten
        const dq = put(new Float32Array(n * P * H * e).fill(7)), dkv = put(new Float32Array(n * T * 2 * H * e).fill(7));
        be.attentionForward(s, q, kv, pattern, z);
        be.attentionBackward(s, q, kv, pattern, dz, dq, dkv);
        const what = `${be.name} n=${n} T=${T} H=${H} e=${e} P=${P}`;
        assertBitsEqual(`${what} pattern`, pattern, want.pattern);
        assertBitsEqual(`${what} z`, z, want.z);
        assertBitsEqual(`${what} dq`, dq, want.dq);
        assertBitsEqual(`${what} dkv`, dkv, want.dkv);
        // Arrays outside the wasm memory take the copying path and give the same bits.
        const zOut = new Float32Array(n * P * H * e), patOut = new Float32Array(n * H * P * T);
        be.attentionForward(s, q0, kv0, patOut, zOut);
        assertBitsEqual(`${what} z (copied operands)`, zOut, want.z);
      }
    }
  });

  test("LayerNorm forward and backward are bit-identical to the reference (float64 sums, float32 gain and bias sums) on every thread count", () => {
    // Shapes: one feature (σ = 0: 1/√eps), odd feature counts (the scalar tails), row counts that leave 1–3 rows of a
    // group of four and split into uneven chunks, the transformer's d = 64 and 128; rows offset far from zero with a
    // small spread, where the mean's rounding matters; zero rows (dw and db must come out zero).
    const cases: Array<[number, number]> = [[1, 1], [7, 1], [5, 3], [33, 5], [130, 17], [2050, 64], [301, 128], [0, 6]];
    for (const [n, d] of cases) {
      const key = fold(root, `layerNorm/${n}/${d}`);
      const x0 = randn(fold(key, "x"), n * d).map((v, i) => (i % 3 === 0 ? 1000 + 0.01 * v : 3 * v));
      const w0 = randn(fold(key, "w"), d).map((v) => 1 + 0.5 * v), b0 = randn(fold(key, "b"), d);
      const dy0 = randn(fold(key, "dy"), n * d), dxStart = randn(fold(key, "dx"), n * d);
      const want = { y: new Float32Array(n * d), xhat: new Float32Array(n * d), rstd: new Float32Array(n), dw: new Float32Array(d), db: new Float32Array(d) };
      reference.layerNormForward(n, d, x0, w0, b0, want.y, want.xhat, want.rstd);
      const wantDx = new Float32Array(n * d), wantDxAcc = dxStart.slice();
      reference.layerNormBackward(n, d, dy0, w0, want.xhat, want.rstd, wantDx, want.dw, want.db, false);
      reference.layerNormBackward(n, d, dy0, w0, want.xhat, want.rstd, wantDxAcc, new Float32Array(d), new Float32Array(d), true);
      for (const be of [w1, w2all]) {
        const put = (v: Float32Array) => {
          const a = be.alloc(v.length);
          a.set(v);
          return a;
        };
        const x = put(x0), w = put(w0), b = put(b0), dy = put(dy0);
        const stale = (len: number) => put(new Float32Array(len).fill(7)); // stale values must be overwritten
        const y = stale(n * d), xhat = stale(n * d), rstd = stale(n), dx = stale(n * d), dxAcc = put(dxStart), dw = stale(d), db = stale(d);
        be.layerNormForward(n, d, x, w, b, y, xhat, rstd);
        const what = `${be.name} n=${n} d=${d}`;
        assertBitsEqual(`${what} y`, y, want.y);
        assertBitsEqual(`${what} xhat`, xhat, want.xhat);
        assertBitsEqual(`${what} rstd`, rstd, want.rstd);
        be.layerNormBackward(n, d, dy, w, xhat, rstd, dx, dw, db, false);
        assertBitsEqual(`${what} dx`, dx, wantDx);
        assertBitsEqual(`${what} dw`, dw, want.dw);
        assertBitsEqual(`${what} db`, db, want.db);
        be.layerNormBackward(n, d, dy, w, xhat, rstd, dxAcc, dw, db, true);
        assertBitsEqual(`${what} dx (accumulated)`, dxAcc, wantDxAcc);
        // Arrays outside the wasm memory take the copying path and give the same bits.
        const yOut = new Float32Array(n * d), dxOut = new Float32Array(n * d), dwOut = new Float32Array(d);
        be.layerNormForward(n, d, x0, w0, b0, yOut, new Float32Array(n * d), new Float32Array(n));
        be.layerNormBackward(n, d, dy0, w0, want.xhat, want.rstd, dxOut, dwOut, new Float32Array(d), false);
        assertBitsEqual(`${what} y (copied operands)`, yOut, want.y);
        assertBitsEqual(`${what} dx (copied operands)`, dxOut, wantDx);
        assertBitsEqual(`${what} dw (copied operands)`, dwOut, want.dw);
      }
    }
    const a = w1.alloc(12);
    assert.throws(() => w1.layerNormBackward(3, 4, a, w1.alloc(4), w1.alloc(12), w1.alloc(3), a, w1.alloc(4), w1.alloc(4), false), /dx must be a different array from dy/);
  });

  test("row gathers, their scatter-add and array adds are bit-identical to the reference; a refilled index array is read afresh", () => {
    for (const [n, seqLen, d, vocab, stride] of [[1, 1, 1, 5, 0], [301, 1, 13, 40, 0], [517, 3, 32, 20, 20], [1000, 2, 7, 9, 0]] as const) {
      const key = fold(root, `rows/${n}/${seqLen}/${d}`), rows = stride > 0 ? seqLen * vocab : vocab;
      const T0 = randn(fold(key, "T"), rows * d), dOut0 = randn(fold(key, "dOut"), n * d), x = randIndex(fold(key, "x"), n * seqLen, vocab);
      const dT0 = randn(fold(key, "dT"), rows * d);
      const want = new Float32Array(n * d), wantT = dT0.slice();
      gatherRowsSum(n, seqLen, d, T0, x, stride, want);
      scatterRowsAdd(n, seqLen, d, dOut0, x, stride, wantT);
      for (const be of [w1, w2all]) {
        const T = be.alloc(rows * d), out = be.alloc(n * d), dT = be.alloc(rows * d), dOut = be.alloc(n * d);
        T.set(T0);
        dT.set(dT0);
        dOut.set(dOut0);
        be.gatherRowsSum(n, seqLen, d, T, x, stride, out);
        be.scatterRowsAdd(n, seqLen, d, dOut, x, stride, dT);
        assertBitsEqual(`${be.name} gatherRowsSum n=${n} seqLen=${seqLen}`, out, want);
        assertBitsEqual(`${be.name} scatterRowsAdd n=${n} seqLen=${seqLen}`, dT, wantT);
        const sum = be.alloc(n * d);
        be.addArrays(n * d, out, dOut, sum);
        assertBitsEqual(`${be.name} addArrays`, sum, want.map((v, i) => v + dOut0[i]));
        be.addArrays(n * d, out, out, out); // in place, both operands the output
        assertBitsEqual(`${be.name} addArrays in place`, out, want.map((v) => v + v));
      }
      // The same index array refilled: the backend must not reuse a copy of its old contents.
      const refilled = x.slice();
      const first = w1.alloc(n * d);
      w1.gatherRowsSum(n, seqLen, d, T0, refilled, stride, first);
      refilled.reverse();
      const again = new Float32Array(n * d), wantAgain = new Float32Array(n * d);
      w1.gatherRowsSum(n, seqLen, d, T0, refilled, stride, again);
      gatherRowsSum(n, seqLen, d, T0, refilled, stride, wantAgain);
      assertBitsEqual(`refilled index array n=${n}`, again, wantAgain);
    }
    assert.throws(() => w1.gatherRowsSum(2, 1, 3, w1.alloc(12), Int32Array.of(0, 4), 0, w1.alloc(6)), /x holds indices in \[0, 4\], the table has 4 rows/);
  });

  test("softmax cross-entropy rows are bit-identical to the reference: ties, confident rows, NaN and ±Inf logits", () => {
    const farAndNear = (C: number) => (v: number, i: number): number => {
      // whole rows of tiny logits (exp's 1 + x region), rows spread past exp's pair range (|x| ≥ 707: the one-value
      // path, subnormal and flushed entries), the rest across its k = 0, k = −1 and general regions
      const row = Math.floor(i / C);
      return row % 5 === 0 ? 1e-9 * v : row % 7 === 0 ? 400 * v : 3 * v;
    };
    for (const [n, C, scale, spread] of [
      [1, 1, 1, null], [300, 2, 1, null], [1218, 59, 1, null], [97, 113, 1 / 113, null], [500, 67, 1 / 67, farAndNear(67)], [211, 10, 1, farAndNear(10)],
    ] as const) {
      const key = fold(root, `ce/${n}/${C}`);
      const logits = edgyLogits(key, n, C, spread ?? ((v, i) => (i % 11 === 0 ? 40 * v : 4 * v))); // some rows far from the rest
      const labels = randIndex(fold(key, "y"), n, C);
      for (const withGrad of [true, false]) {
        const want = new Float32Array(n * C), wantPer = new Float64Array(n);
        const wantCorrect = softmaxCrossEntropyRows(n, C, logits, labels, scale, withGrad ? want : null, wantPer);
        for (const be of [w1, w2all]) {
          const d = be.alloc(n * C).fill(5), per = new Float64Array(n);
          const correct = be.softmaxCrossEntropyRows(n, C, logits, labels, scale, withGrad ? d : null, per);
          const what = `${be.name} n=${n} C=${C} grad=${withGrad}`;
          assert.equal(correct, wantCorrect, `${what}: correct rows`);
          if (withGrad) assertSameValues(`${what} d`, d, want);
          for (let i = 0; i < n; i++) if (!Object.is(per[i], wantPer[i])) assert.fail(`${what}: row ${i} loss ${per[i]} vs ${wantPer[i]}`);
        }
      }
    }
  });

  test("StableMax cross-entropy rows are bit-identical to the reference: both signs, ±0, NaN and ±Inf logits, odd row counts", () => {
    for (const [n, C] of [[1, 1], [3, 2], [1218, 59], [97, 113], [5107, 113]] as const) {
      const key = fold(root, `stablemax/${n}/${C}`);
      const logits = edgyLogits(key, n, C, (v, i) => (i % 13 === 0 ? 0 : i % 17 === 0 ? -0 : i % 11 === 0 ? 60 * v : 3 * v));
      const labels = randIndex(fold(key, "y"), n, C);
      if (C > 2) (labels[1] = 1), (labels[2] = 0), (labels[3] = 2); // labels on a NaN, a +∞ and a −∞ logit
      for (const withGrad of [true, false]) {
        const want = new Float32Array(n * C), wantPer = new Float64Array(n);
        const wantCorrect = stableMaxCrossEntropyRows(n, C, logits, labels, withGrad ? want : null, wantPer);
        for (const be of [w1, w2all]) {
          const d = be.alloc(n * C).fill(5), per = new Float64Array(n);
          const correct = be.stableMaxCrossEntropyRows(n, C, logits, labels, withGrad ? d : null, per);
          const what = `${be.name} n=${n} C=${C} grad=${withGrad}`;
          assert.equal(correct, wantCorrect, `${what}: correct rows`);
          if (withGrad) assertSameValues(`${what} d`, d, want);
          for (let i = 0; i < n; i++) if (!Object.is(per[i], wantPer[i])) assert.fail(`${what}: row ${i} loss ${per[i]} vs ${wantPer[i]}`);
        }
      }
    }
  });

  test("MSE rows are bit-identical to the reference: ties, NaN and ±Inf logits, with and without the gradient", () => {
    for (const [n, C] of [[1, 1], [300, 2], [4704, 97], [65, 13]] as const) {
      const key = fold(root, `mse/${n}/${C}`);
      const logits = edgyLogits(key, n, C, (v, i) => (i % 7 === 0 ? 30 * v : v));
      const labels = randIndex(fold(key, "y"), n, C);
      const scale = 2 / (n * C);
      for (const withGrad of [true, false]) {
        const want = new Float32Array(n * C), wantRow = new Float64Array(n);
        const wantCorrect = mseRows(n, C, logits, labels, scale, withGrad ? want : null, wantRow);
        for (const be of [w1, w2all]) {
          for (const inWasm of [true, false]) {
            const z = inWasm ? be.alloc(n * C) : new Float32Array(n * C);
            z.set(logits);
            const d = (inWasm ? be.alloc(n * C) : new Float32Array(n * C)).fill(5), row = new Float64Array(n);
            const correct = be.mseRows(n, C, z, labels, scale, withGrad ? d : null, row);
            const what = `${be.name} n=${n} C=${C} grad=${withGrad} in wasm memory=${inWasm}`;
            assert.equal(correct, wantCorrect, `${what}: correct rows`);
            if (withGrad) assertBitsEqual(`${what} d`, d, want);
            for (let i = 0; i < n; i++) if (!Object.is(row[i], wantRow[i])) assert.fail(`${what}: row ${i} sum ${row[i]} vs ${wantRow[i]}`);
          }
        }
      }
    }
  });

  test("Adam steps are bit-identical to the reference: AdamW and Adam with L2 and L1, ±0, NaN and ±Inf, across chunks", () => {
    const coefficients: Record<string, AdamCoefficients> = {
      adamw: { decay: 1 - 1e-2 * 5, l2: 0, l1: 0, b1: 0.9, b2: 0.98, stepSize: 1e-2 / (1 - 0.9 ** 3), bc2Sqrt: Math.sqrt(1 - 0.98 ** 3), eps: 1e-8 },
      "adam-l2-l1": { decay: 1, l2: 0.1, l1: 1e-3, b1: 0.99, b2: 0.98, stepSize: 3e-3 / (1 - 0.99 ** 7), bc2Sqrt: Math.sqrt(1 - 0.98 ** 7), eps: 1e-25 },
      // flush_below at 2^-126: p is scaled into and around float32's subnormal range
      "adam-flush": { decay: 1, l2: 1e-5, l1: 0, b1: 0.9, b2: 0.999, stepSize: 1e-4 / (1 - 0.9 ** 5), bc2Sqrt: Math.sqrt(1 - 0.999 ** 5), eps: 1e-8, flushBelow: FLOAT32_MIN_NORMAL },
    };
    for (const len of [1, 2, 3, 97, 8191, 8192, 8193, 48_501]) {
      const key = fold(root, `adam/${len}`);
      const p0 = randn(fold(key, "p"), len), g = randn(fold(key, "g"), len).map((v) => v * 1e-3);
      const m0 = randn(fold(key, "m"), len).map((v) => v * 1e-3), v0 = randn(fold(key, "v"), len).map((v) => v * v * 1e-6);
      if (len > 8) [p0[0], p0[1], p0[2], g[3], p0[4], v0[5]] = [0, -0, NaN, Infinity, -Infinity, 0];
      for (const [label, c] of Object.entries(coefficients)) {
        // the flush case: weights near 2^-126 with gradient and moments 0, so the updates land on both sides of the bound
        if (label === "adam-flush") for (let i = 0; i < len; i++) if (i % 3 !== 2) (p0[i] = p0[i] * 2 ** -126), (g[i] = m0[i] = v0[i] = 0);
        const wp = p0.slice(), wm = m0.slice(), wv = v0.slice();
        for (let step = 0; step < 3; step++) adamUpdate(len, wp, g, wm, wv, c);
        for (const be of [w1, w2all]) {
          for (const inWasm of [true, false]) {
            const arr = (x: Float32Array): Float32Array => {
              const a = inWasm ? be.alloc(len) : new Float32Array(len);
              a.set(x);
              return a;
            };
            const p = arr(p0), m = arr(m0), v = arr(v0), gg = arr(g);
            for (let step = 0; step < 3; step++) be.adamUpdate(len, p, gg, m, v, c);
            const what = `${be.name} ${label} len=${len} in wasm memory=${inWasm}`;
            assertBitsEqual(`${what} p`, p, wp);
            assertBitsEqual(`${what} m`, m, wm);
            assertBitsEqual(`${what} v`, v, wv);
          }
        }
        if (label === "adam-flush" && len > 8) {
          let flushed = 0;
          const subnormal = (x: Float32Array) => x.filter((y) => y !== 0 && Math.abs(y) < FLOAT32_MIN_NORMAL).length;
          for (let i = 0; i < len; i++) if (p0[i] !== 0 && wp[i] === 0) flushed++;
          assert.ok(flushed > 0, `len ${len}: some weights flushed`);
          assert.equal(subnormal(wp), 0, `len ${len}: no subnormal weight left`);
          assert.ok(Number.isNaN(wp[2]), "NaN is kept");
        }
      }
    }
  });

  test("alloc returns zero-filled views that survive memory growth", () => {
    const be = w1;
    const first = be.alloc(1000).fill(3);
    const big = be.alloc(40_000_000); // forces the shared memory to grow
    assert.equal(big[big.length - 1], 0);
    assert.equal(first[999], 3);
    assert.equal(first.length, 1000);
  });
});

describe("createBackend", () => {
  test("js, wasm and auto", async () => {
    const js = await createBackend("js");
    assert.equal(js.name, "js");
    const wasm = await createBackend("wasm");
    assert.equal(wasm.name, "wasm");
    wasm.dispose();
    const auto = await createBackend("auto", { warn: (m) => assert.fail(m) });
    assert.match(auto.name, /^wasm/);
    auto.dispose();
    assert.throws(() => auto.alloc(1), /disposed/);
    await assert.rejects(createBackend("gpu" as "js"), /unknown backend "gpu"/);
  });

  test("GROKSCOPE_THREADS caps a run's threads; anything but a positive integer is refused, naming it", () => {
    const before = process.env.GROKSCOPE_THREADS;
    try {
      delete process.env.GROKSCOPE_THREADS;
      assert.equal(runThreads(2), 2);
      process.env.GROKSCOPE_THREADS = "1";
      assert.deepEqual([runThreads(1), runThreads(2), runThreads(8)], [1, 1, 1]);
      process.env.GROKSCOPE_THREADS = "4";
      assert.deepEqual([runThreads(2), runThreads(8)], [2, 4]);
      for (const bad of ["0", "-1", "1.5", "two"]) {
        process.env.GROKSCOPE_THREADS = bad;
        assert.throws(() => runThreads(2), new RegExp(`GROKSCOPE_THREADS: must be a positive integer .*"${bad}"`));
      }
    } finally {
      if (before === undefined) delete process.env.GROKSCOPE_THREADS;
      else process.env.GROKSCOPE_THREADS = before;
    }
  });

  test("auto falls back to js with a warning when a helper thread cannot start", async () => {
    const broken = () => ({
      postMessage() {},
      onMessage() {},
      onError(cb: (e: unknown) => void) {
        queueMicrotask(() => cb(new Error("no threads here")));
      },
      detach() {},
      terminate() {},
    });
    const warnings: string[] = [];
    const be = await createBackend("auto", { threads: 2, spawnWorker: broken, warn: (m) => warnings.push(m) });
    assert.equal(be.name, "js");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /helper thread 1 failed to start: no threads here\); using the js backend/);
    await assert.rejects(createBackend("wasm", { threads: 2, spawnWorker: broken }), /no threads here/);
  });
});
