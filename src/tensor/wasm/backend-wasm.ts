import type { Backend, GemmOptions } from "../backend.js";
import type { AttentionShape } from "../kernels/attention.js";
import { allFiniteJs } from "../tensor.js";
import { ARGS, COUNTER, CTL_OFFSET, CTL_SLOTS, DONE, ERROR, GEN, GEN_MASK, OP, OP_ADD_ROW_VECTOR, OP_ATTENTION_BACKWARD, OP_ATTENTION_FORWARD, OP_BIAS_RELU, OP_CROSS_ENTROPY_ROWS, OP_MSE_ROWS, OP_ADAM_UPDATE, OP_BINARY_MLP_JOB, OP_COLUMN_SUMS, OP_ADD_ARRAYS, OP_GATHER_ROWS_SUM, OP_GATHER_SUM_SQUARE, OP_GEMM, OP_LAYER_NORM_BACKWARD, OP_LAYER_NORM_FORWARD, OP_SCATTER_ROWS_ADD, OP_QUIT, OP_RELU_BACKWARD, OP_SCATTER_ADD2, OP_TRANSPOSE, OP_DROPOUT_MASK, OP_MUL_ARRAYS, OP_NORMALS, OP_STABLEMAX_ROWS, SCALE, SCALE64, SCRATCH, SCRATCH_STRIDE, SHARES, closeAndWait, publish, runShare } from "./control.js";
import { PAGE_BYTES, WasmHeap } from "./heap.js";
import { IndexCache, indexRange } from "./index-cache.js";
import { binaryMlpKernels, type BinaryMlpKernels } from "./binary-mlp.js";
import { GEMM_ACCUMULATE, GEMM_MUL, GEMM_TRANS_A, GEMM_TRANS_B, MODULE_MAX_PAGES, instantiateKernels, kernelModule, writeAdamScalars, type KernelExports } from "./kernels.js";
import type { SpawnWorker, WorkerHandle, WorkerReply } from "./worker.js";

/**
 * The WebAssembly SIMD backend: kernels compiled from src/tensor/wasm/assembly/, one shared memory, one module
 * instance per thread. The calling thread always works on a call itself; `threads - 1` helper threads join it and
 * take chunks of the output until none are left (control.ts). Work is split over output rows/columns only, never
 * over a reduction, so results are bit-identical for every thread count and every split.
 */
export interface WasmBackendOptions {
  /** Threads including the caller (default 1). More than 1 needs `spawnWorker`. */
  threads?: number;
  spawnWorker?: SpawnWorker;
  /** Upper bound of the shared memory in MiB (default 2048; it grows on demand up to this). */
  maxMemoryMB?: number;
  /** Calls with less work than this (multiply-adds or elements) run on the caller alone (default 2^18). */
  minParallelWork?: number;
}

export interface WasmBackend extends Backend {
  readonly threads: number;
  /** Bytes of shared memory handed out so far. */
  bytesUsed(): number;
  /** Calls offered to the helper threads, and how many helper runs joined them (the rest ran on the caller alone). */
  threadStats(): { parallelCalls: number; helperRuns: number };
  /** Batched training: fused one-model tasks run on this backend's threads, a whole model per thread (binary-mlp.ts). */
  readonly binaryMlp: BinaryMlpKernels;
}

/** Whether a backend is the wasm backend (and has its extra kernels). */
export function isWasmBackend(b: Backend): b is WasmBackend {
  return (b as Partial<WasmBackend>).binaryMlp !== undefined;
}

const HEAP_START = 65536;
const DEFAULT_MAX_MB = 2048;

function checkDims(op: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`wasm backend ${op}: ${name} must be a non-negative integer, got ${v}`);
  }
}

function checkLength(op: string, name: string, a: ArrayLike<number>, need: number): void {
  if (a.length < need) throw new Error(`wasm backend ${op}: ${name} has ${a.length} elements, needs ${need}`);
}

/** checkLength for each named array and the length it needs. */
function checkLengths(op: string, arrays: Record<string, readonly [ArrayLike<number>, number]>): void {
  for (const [name, [a, need]] of Object.entries(arrays)) checkLength(op, name, a, need);
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm backend: threads must be a positive integer, got ${threads}`);
  if (threads > 1 && !opts.spawnWorker) throw new Error(`wasm backend: threads = ${threads} needs a spawnWorker function`);
  const maxPages = Math.min(MODULE_MAX_PAGES, Math.ceil(((opts.maxMemoryMB ?? DEFAULT_MAX_MB) * 1048576) / PAGE_BYTES));
  const minParallel = opts.minParallelWork ?? 1 << 18;

  if (typeof SharedArrayBuffer === "undefined") {
    throw new Error(
      "wasm backend: shared memory is unavailable (SharedArrayBuffer is not defined); in a browser the page must be " +
        "cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
  const module = await kernelModule();
  const memory = new WebAssembly.Memory({ initial: 2, maximum: maxPages, shared: true });
  const ex: KernelExports = instantiateKernels(module, memory);
  const heap = new WasmHeap(memory, HEAP_START, maxPages * PAGE_BYTES);
  const ctl = new Int32Array(memory.buffer, CTL_OFFSET, CTL_SLOTS);
  const ctlF = new Float32Array(memory.buffer, CTL_OFFSET, CTL_SLOTS);
  const ctlD = new Float64Array(memory.buffer, CTL_OFFSET + 4 * SCALE64, 1);

  const workers: WorkerHandle[] = [];
  try {
    for (let tid = 1; tid < threads; tid++) workers.push(await startWorker(opts.spawnWorker!, module, memory, tid));
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  }
  // Atomics.wait is not allowed on a browser's main thread; there the caller spins.
  let canBlock = true;
  try {
    Atomics.wait(ctl, DONE, -1, 0);
  } catch {
    canBlock = false;
  }

  let disposed = false;
  let gen = 0;
  let parallelCalls = 0, helperRuns = 0;
  let scratchPtr = 0;
  let scratchStride = 0;
  let stagePtr = 0, stageCap = 0, stageUsed = 0;
  const indexCache = new IndexCache(heap);

  function live(op: string): void {
    if (disposed) throw new Error(`wasm backend ${op}: the backend was disposed`);
  }

  function ensureScratch(bytesPerThread: number): void {
    if (bytesPerThread <= scratchStride) return;
    scratchStride = Math.ceil(bytesPerThread / 64) * 64;
    scratchPtr = heap.reserve(scratchStride * threads);
  }

  /** Pointer to `len` floats of `a`: in place when `a` lives in the shared memory, else a staged copy. */
  function place(a: Float32Array, len: number, copyIn: boolean): number {
    const p = heap.ptrOf(a);
    if (p >= 0) return p;
    const ptr = stage(len);
    if (copyIn) heap.f32(ptr, len).set(len === a.length ? a : a.subarray(0, len));
    return ptr;
  }

  /**
   * An elementwise kernel over a, b and out of `len` values (out may be a or b; its values are read when `readOut`):
   * op's arguments are len and the three pointers, then readOut as 0 / 1; `workPerValue` sizes the call for threads.
   */
  function pairwise(name: string, op: number, len: number, a: Float32Array, b: Float32Array, out: Float32Array, readOut: boolean, workPerValue: number): void {
    live(name);
    checkDims(name, { len });
    checkLengths(name, { a: [a, len], b: [b, len], out: [out, len] });
    if (len === 0) return;
    stageUsed = 0;
    const pa = place(a, len, true);
    const pb = b === a ? pa : place(b, len, true);
    const pOut = out === a ? pa : out === b ? pb : place(out, len, readOut);
    run(op, [len, pa, pb, pOut, readOut ? 1 : 0], 1, workPerValue * len);
    copyOut(out, pOut, len);
  }

  /** Pointer to room for `len` 4-byte values in the staging area (valid for the current call). */
  function stage(len: number): number {
    const bytes = Math.ceil((len * 4) / 64) * 64;
    if (stageUsed + bytes > stageCap) {
      stageCap = Math.max(2 * stageCap, bytes, 1 << 16);
      stagePtr = heap.reserve(stageCap);
      stageUsed = 0;
    }
    const ptr = stagePtr + stageUsed;
    stageUsed += bytes;
    return ptr;
  }

  function copyOut(a: Float32Array, ptr: number, len: number): void {
    if (heap.ptrOf(a) < 0) a.set(heap.f32(ptr, len));
  }

  /** Pointer to idx[0..n), checked to hold row numbers of a table with `rows` rows. */
  function indexPtr(op: string, name: string, idx: Int32Array, n: number, rows: number, callBytes: number): number {
    checkLength(op, name, idx, n);
    let ptr = heap.ptrOf(idx);
    let range: { min: number; max: number };
    if (ptr >= 0) range = indexRange(idx, n);
    else {
      const copy = indexCache.get(idx, n, callBytes);
      ptr = copy.ptr;
      range = copy;
    }
    checkRange(op, name, range, n, rows);
    return ptr;
  }

  function checkRange(op: string, name: string, range: { min: number; max: number }, n: number, rows: number): void {
    if (n > 0 && (range.min < 0 || range.max >= rows)) {
      throw new Error(`wasm backend ${op}: ${name} holds indices in [${range.min}, ${range.max}], the table has ${rows} rows`);
    }
  }

  /**
   * Pointer to a fresh copy of idx[0..n) in the staging area (call after `stageUsed = 0`), checked to hold row numbers
   * below `rows`. Unlike indexPtr nothing is cached, so an index array a caller refills between calls stays correct.
   */
  function stagedIndexPtr(op: string, name: string, idx: Int32Array, n: number, rows: number): number {
    checkLength(op, name, idx, n);
    checkRange(op, name, indexRange(idx, n), n, rows);
    let ptr = heap.ptrOf(idx);
    if (ptr >= 0) return ptr;
    ptr = stage(n);
    heap.i32(ptr, n).set(n === idx.length ? idx : idx.subarray(0, n));
    return ptr;
  }

  /**
   * Checks a row gather's or scatter's arguments and stages its token ids (after `stageUsed = 0`): every picked row
   * x + j·stride must lie in the table, checked as x ≤ rows − 1 − (seqLen − 1)·stride. Null when there is nothing to do.
   */
  function rowOpArgs(op: string, n: number, seqLen: number, d: number, stride: number, table: Float32Array, x: Int32Array, rowsOut: Float32Array, rowsName: string): { rows: number; px: number } | null {
    live(op);
    checkDims(op, { n, seqLen, d, stride });
    checkLength(op, rowsName, rowsOut, n * d);
    if (n === 0 || d === 0) return null;
    if (seqLen === 0) throw new Error(`wasm backend ${op}: seqLen must be ≥ 1`);
    const rows = Math.floor(table.length / d);
    stageUsed = 0;
    return { rows, px: stagedIndexPtr(op, "x", x, n * seqLen, rows - (seqLen - 1) * stride) };
  }

  /** Runs the call on this thread and, when it is large enough, on the helpers too (see control.ts). */
  function run(op: number, args: readonly number[], scale: number, work: number): void {
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
    ctl[OP] = op;
    ctlF[SCALE] = scale;
    ctl[SCRATCH] = scratchPtr;
    ctl[SCRATCH_STRIDE] = scratchStride;
    if (workers.length === 0 || work < minParallel) {
      ctl[SHARES] = 1;
      Atomics.store(ctl, COUNTER, 0);
      runShare(ex, ctl, ctlF, 0);
      return;
    }
    ctl[SHARES] = threads;
    gen = (gen + 1) & GEN_MASK;
    publish(ctl, gen);
    let failure: unknown;
    try {
      runShare(ex, ctl, ctlF, 0);
    } catch (e) {
      failure = e;
    }
    parallelCalls++;
    helperRuns += closeAndWait(ctl, canBlock);
    if (failure !== undefined) throw failure;
    const bad = Atomics.load(ctl, ERROR);
    if (bad !== 0) throw new Error(`wasm backend: helper thread ${bad} failed during op ${op}`);
  }

  /** Checks an attention call's sizes; returns the pointer to qPos in wasm memory and the work (multiply-adds). */
  function attentionArgs(op: string, s: AttentionShape, arrays: Record<string, [Float32Array, number]>): { pq: number; work: number } {
    const { n, T, heads: H, dHead: e, qPos } = s, P = qPos.length;
    checkDims(op, { n, T, H, e, P });
    checkLengths(op, arrays);
    ensureScratch(ex.attentionScratchBytes(H, T));
    return { pq: indexPtr(op, "qPos", qPos, P, T, 4 * P), work: n * H * P * T * e * 2 };
  }

  /**
   * The rows of a loss over logits [n, C] (softmax cross-entropy, MSE): `out` [n] gets each row's float64 value, `d`
   * its gradient (null: none); returns the rows whose argmax is the label. `workPerEntry` weighs the call for the helpers.
   */
  function lossRows(op: number, name: string, n: number, C: number, logits: Float32Array, labels: Int32Array, scale: number, d: Float32Array | null, out: Float64Array, workPerEntry: number): number {
    live(name);
    checkDims(name, { n, C });
    checkLength(name, "logits", logits, n * C);
    checkLength(name, "out", out, n);
    if (d) checkLength(name, "d", d, n * C);
    if (n === 0) return 0;
    stageUsed = 0;
    const py = stagedIndexPtr(name, "labels", labels, n, C);
    const pZ = place(logits, n * C, true);
    const pD = d ? place(d, n * C, false) : 0;
    const pOut = stage(2 * n), pHit = stage(n);
    ctlD[0] = scale;
    run(op, [n, C, pZ, py, pD, pOut, pHit], 1, n * C * workPerEntry);
    if (d) copyOut(d, pD, n * C);
    out.set(heap.f64(pOut, n));
    let correct = 0;
    for (const h of heap.i32(pHit, n)) correct += h;
    return correct;
  }

  const backend: WasmBackend = {
    name: threads > 1 ? `wasm×${threads}` : "wasm",
    threads,
    bytesUsed: () => heap.bytesUsed,
    threadStats: () => ({ parallelCalls, helperRuns }),
    binaryMlp: binaryMlpKernels(ex, heap, live, (count, tasks, scratchBytes) => {
      ensureScratch(scratchBytes);
      run(OP_BINARY_MLP_JOB, [count, tasks], 1, count > 1 ? minParallel : 0); // whole models: worth the helpers from two on
    }),

    alloc(length: number): Float32Array {
      live("alloc");
      checkDims("alloc", { length });
      return heap.f32(heap.reserve(length * 4), length);
    },

    gemm(m, n, k, A, B, C, o: GemmOptions = {}): void {
      live("gemm");
      checkDims("gemm", { m, n, k });
      const mul = o.mul;
      if (mul && o.accumulate) throw new Error("wasm backend gemm: the mul epilogue cannot be combined with accumulate");
      checkLength("gemm", "A", A, m * k);
      checkLength("gemm", "B", B, k * n);
      checkLength("gemm", "C", C, m * n);
      if (mul) checkLength("gemm", "mul", mul, m * n);
      if (m === 0 || n === 0) return;
      const flags = (o.transA ? GEMM_TRANS_A : 0) | (o.transB ? GEMM_TRANS_B : 0) | (o.accumulate ? GEMM_ACCUMULATE : 0) | (mul ? GEMM_MUL : 0);
      ensureScratch(ex.gemmScratchBytes(m, n, k, flags));
      stageUsed = 0;
      const pA = place(A, m * k, true);
      const pB = place(B, k * n, true);
      const pC = place(C, m * n, !!o.accumulate);
      const pM = mul ? place(mul, m * n, true) : 0;
      run(OP_GEMM, [m, n, k, pA, pB, pC, flags, pM], o.scale ?? 1, m * n * k);
      copyOut(C, pC, m * n);
    },

    gatherSumSquare(n, d, TA, ia, TB, ib, H, S): void {
      live("gatherSumSquare");
      checkDims("gatherSumSquare", { n, d });
      checkLength("gatherSumSquare", "H", H, n * d);
      checkLength("gatherSumSquare", "S", S, n * d);
      if (n === 0 || d === 0) return;
      const rowsA = Math.floor(TA.length / d), rowsB = Math.floor(TB.length / d);
      const pia = indexPtr("gatherSumSquare", "ia", ia, n, rowsA, 8 * n);
      const pib = indexPtr("gatherSumSquare", "ib", ib, n, rowsB, 8 * n);
      stageUsed = 0;
      const pTA = place(TA, rowsA * d, true);
      const pTB = place(TB, rowsB * d, true);
      const pH = place(H, n * d, false);
      const pS = place(S, n * d, false);
      run(OP_GATHER_SUM_SQUARE, [n, d, pTA, pia, pTB, pib, pH, pS], 1, n * d);
      copyOut(H, pH, n * d);
      copyOut(S, pS, n * d);
    },

    scatterAdd2(n, d, dH, ia, dTA, ib, dTB): void {
      live("scatterAdd2");
      checkDims("scatterAdd2", { n, d });
      checkLength("scatterAdd2", "dH", dH, n * d);
      if (n === 0 || d === 0) return;
      const rowsA = Math.floor(dTA.length / d), rowsB = Math.floor(dTB.length / d);
      const pia = indexPtr("scatterAdd2", "ia", ia, n, rowsA, 8 * n);
      const pib = indexPtr("scatterAdd2", "ib", ib, n, rowsB, 8 * n);
      stageUsed = 0;
      const pdH = place(dH, n * d, true);
      const pA = place(dTA, rowsA * d, true);
      // The same staged copy when both tables are one array, so both scatters land in it.
      const pB = dTB === dTA ? pA : place(dTB, rowsB * d, true);
      run(OP_SCATTER_ADD2, [n, d, pdH, pia, pA, rowsA, pib, pB, dTB === dTA ? rowsA : rowsB], 1, n * d);
      copyOut(dTA, pA, rowsA * d);
      if (dTB !== dTA) copyOut(dTB, pB, rowsB * d);
    },

    gatherRowsSum(n, seqLen, d, T, x, stride, out): void {
      const rowsIn = rowOpArgs("gatherRowsSum", n, seqLen, d, stride, T, x, out, "out");
      if (!rowsIn) return;
      const pT = place(T, rowsIn.rows * d, true);
      const pOut = place(out, n * d, false);
      run(OP_GATHER_ROWS_SUM, [n, seqLen, d, pT, rowsIn.px, stride, pOut], 1, n * seqLen * d);
      copyOut(out, pOut, n * d);
    },

    scatterRowsAdd(n, seqLen, d, dOut, x, stride, dT): void {
      const rowsIn = rowOpArgs("scatterRowsAdd", n, seqLen, d, stride, dT, x, dOut, "dOut");
      if (!rowsIn) return;
      const pdOut = place(dOut, n * d, true);
      const pT = place(dT, rowsIn.rows * d, true);
      run(OP_SCATTER_ROWS_ADD, [n, seqLen, d, pdOut, rowsIn.px, stride, pT, rowsIn.rows], 1, n * seqLen * d);
      copyOut(dT, pT, rowsIn.rows * d);
    },

    softmaxCrossEntropyRows(n, C, logits, labels, scale, d, per): number {
      return lossRows(OP_CROSS_ENTROPY_ROWS, "softmaxCrossEntropyRows", n, C, logits, labels, scale, d, per, 8); // an exp costs several multiply-adds
    },

    stableMaxCrossEntropyRows(n, C, logits, labels, d, per): number {
      return lossRows(OP_STABLEMAX_ROWS, "stableMaxCrossEntropyRows", n, C, logits, labels, 1, d, per, 4); // a division per entry, two with the gradient
    },

    mseRows(n, C, logits, labels, scale, d, row): number {
      return lossRows(OP_MSE_ROWS, "mseRows", n, C, logits, labels, scale, d, row, 4);
    },

    adamUpdate(len, p, g, m, v, c): void {
      live("adamUpdate");
      checkDims("adamUpdate", { len });
      for (const [name, arr] of [["p", p], ["g", g], ["m", m], ["v", v]] as const) checkLength("adamUpdate", name, arr, len);
      if (len === 0) return;
      stageUsed = 0;
      const pCoef = stage(22);
      const coef = heap.f64(pCoef, 11);
      writeAdamScalars(coef, c);
      coef[10] = c.flushBelow ?? 0;
      const pp = place(p, len, true), pg = place(g, len, true), pm = place(m, len, true), pv = place(v, len, true);
      run(OP_ADAM_UPDATE, [len, pp, pg, pm, pv, pCoef], 1, len * 16); // a division and a square root per element
      copyOut(p, pp, len);
      copyOut(m, pm, len);
      copyOut(v, pv, len);
    },

    addArrays(len, a, b, out): void {
      pairwise("addArrays", OP_ADD_ARRAYS, len, a, b, out, false, 1);
    },

    mulArrays(len, a, b, out, accumulate): void {
      pairwise("mulArrays", OP_MUL_ARRAYS, len, a, b, out, accumulate, 2);
    },

    addRowVector(n, d, X, b): void {
      live("addRowVector");
      checkDims("addRowVector", { n, d });
      checkLength("addRowVector", "X", X, n * d);
      checkLength("addRowVector", "b", b, d);
      if (n === 0 || d === 0) return;
      stageUsed = 0;
      const pX = place(X, n * d, true);
      const pb = place(b, d, true);
      run(OP_ADD_ROW_VECTOR, [n, d, pX, pb], 1, n * d);
      copyOut(X, pX, n * d);
    },

    biasRelu(n, d, pre, b, post): void {
      live("biasRelu");
      checkDims("biasRelu", { n, d });
      checkLength("biasRelu", "pre", pre, n * d);
      checkLength("biasRelu", "post", post, n * d);
      if (b) checkLength("biasRelu", "b", b, d);
      if (n === 0 || d === 0) return;
      stageUsed = 0;
      const pPre = place(pre, n * d, true);
      const pb = b ? place(b, d, true) : 0;
      // One staged copy when pre and post are one array (post then ends up as max(pre + b, 0), as in the reference).
      const pPost = post === pre ? pPre : place(post, n * d, false);
      run(OP_BIAS_RELU, [n, d, pPre, pb, pPost], 1, n * d);
      if (b) copyOut(pre, pPre, n * d);
      copyOut(post, pPost, n * d);
    },

    reluBackward(n, d, pre, g, colSums): void {
      live("reluBackward");
      checkDims("reluBackward", { n, d });
      checkLength("reluBackward", "pre", pre, n * d);
      checkLength("reluBackward", "g", g, n * d);
      if (colSums) checkLength("reluBackward", "colSums", colSums, d);
      if (d === 0) return;
      if (n === 0) {
        colSums?.fill(0, 0, d);
        return;
      }
      stageUsed = 0;
      const pPre = place(pre, n * d, true);
      const pg = place(g, n * d, true);
      const pSums = colSums ? place(colSums, d, false) : 0;
      run(OP_RELU_BACKWARD, [n, d, pPre, pg, pSums], 1, n * d);
      copyOut(g, pg, n * d);
      if (colSums) copyOut(colSums, pSums, d);
    },

    columnSums(n, d, X, out): void {
      live("columnSums");
      checkDims("columnSums", { n, d });
      checkLength("columnSums", "X", X, n * d);
      checkLength("columnSums", "out", out, d);
      if (d === 0) return;
      if (n === 0) {
        out.fill(0, 0, d);
        return;
      }
      stageUsed = 0;
      const pX = place(X, n * d, true);
      const pOut = place(out, d, false);
      run(OP_COLUMN_SUMS, [n, d, pX, pOut], 1, n * d);
      copyOut(out, pOut, d);
    },

    attentionForward(s, q, kv, pattern, z): void {
      live("attentionForward");
      const { n, T, heads: H, dHead: e } = s, P = s.qPos.length;
      const { pq, work } = attentionArgs("attentionForward", s, { q: [q, n * P * H * e], kv: [kv, n * T * 2 * H * e], pattern: [pattern, n * H * P * T], z: [z, n * P * H * e] });
      if (n === 0) return;
      stageUsed = 0;
      const pQ = place(q, n * P * H * e, true), pKV = place(kv, n * T * 2 * H * e, true);
      const pPat = place(pattern, n * H * P * T, false), pZ = place(z, n * P * H * e, false);
      run(OP_ATTENTION_FORWARD, [n, T, H, e, P, pq, pQ, pKV, pPat, pZ], 1, work);
      copyOut(pattern, pPat, n * H * P * T);
      copyOut(z, pZ, n * P * H * e);
    },

    attentionBackward(s, q, kv, pattern, dz, dq, dkv): void {
      live("attentionBackward");
      const { n, T, heads: H, dHead: e } = s, P = s.qPos.length;
      const he = n * P * H * e, kve = n * T * 2 * H * e;
      const { pq, work } = attentionArgs("attentionBackward", s, { q: [q, he], kv: [kv, kve], pattern: [pattern, n * H * P * T], dz: [dz, he], dq: [dq, he], dkv: [dkv, kve] });
      if (n === 0) return;
      stageUsed = 0;
      const pQ = place(q, he, true), pKV = place(kv, kve, true), pPat = place(pattern, n * H * P * T, true), pDz = place(dz, he, true);
      const pDq = place(dq, he, false), pDkv = place(dkv, kve, false);
      run(OP_ATTENTION_BACKWARD, [n, T, H, e, P, pq, pQ, pKV, pPat, pDz, pDq, pDkv], 1, 2 * work);
      copyOut(dq, pDq, he);
      copyOut(dkv, pDkv, kve);
    },

    dropoutMask(n, key, p, mask): void {
      live("dropoutMask");
      checkDims("dropoutMask", { n });
      checkLengths("dropoutMask", { mask: [mask, n] });
      if (!(p >= 0 && p < 1)) throw new Error(`wasm backend dropoutMask: p must be in [0, 1), got ${p}`);
      if (n === 0) return;
      stageUsed = 0;
      const pMask = place(mask, n, false);
      ctlD[0] = p;
      run(OP_DROPOUT_MASK, [n, key.k0 | 0, key.k1 | 0, pMask], Math.fround(1 / (1 - p)), 8 * n);
      copyOut(mask, pMask, n);
    },

    normals(n, key, std, out): void {
      live("normals");
      checkDims("normals", { n });
      checkLengths("normals", { out: [out, n] });
      if (n === 0) return;
      stageUsed = 0;
      const pOut = place(out, n, false);
      ctlD[0] = std;
      run(OP_NORMALS, [n, key.k0 | 0, key.k1 | 0, pOut], 1, 64 * n);
      copyOut(out, pOut, n);
    },

    sgldUpdate(n, x, x0, g, z, coef, dU, xi, sums): void {
      live("sgldUpdate");
      checkDims("sgldUpdate", { n });
      checkLengths("sgldUpdate", { x: [x, n], x0: [x0, n], g: [g, n], z: [z, n], coef: [coef, 4], sums: [sums, 3] });
      if ((dU === null) !== (xi === null)) throw new Error("wasm backend sgldUpdate: dU and xi are both given or both null");
      if (dU && xi) checkLengths("sgldUpdate", { dU: [dU, n], xi: [xi, n] });
      if (n === 0) return;
      stageUsed = 0;
      // float64 arrays go through the float32 staging as their bytes
      const asF32 = (a: Float64Array): Float32Array => new Float32Array(a.buffer, a.byteOffset, 2 * a.length);
      const px = place(x, n, true), px0 = place(x0, n, true), pg = place(g, n, true), pz = place(z, n, true);
      const pCoef = place(asF32(coef), 8, true), pSums = place(asF32(sums), 6, true);
      const pdU = dU ? place(asF32(dU), 2 * n, true) : 0, pxi = xi ? place(asF32(xi), 2 * n, true) : 0;
      ex.sgldUpdate(n, px, px0, pg, pz, pdU, pxi, pCoef, pSums);
      copyOut(x, px, n);
      copyOut(asF32(sums), pSums, 6);
      if (dU && xi) {
        copyOut(asF32(dU), pdU, 2 * n);
        copyOut(asF32(xi), pxi, 2 * n);
      }
    },

    allFinite(x): boolean {
      live("allFinite");
      const p = heap.ptrOf(x);
      if (p < 0) return allFiniteJs(x); // outside the wasm memory: not worth a copy
      return ex.allFinite(p, x.length) === 1;
    },

    transpose(rows, cols, x, out): void {
      live("transpose");
      checkDims("transpose", { rows, cols });
      checkLengths("transpose", { x: [x, rows * cols], out: [out, rows * cols] });
      if (out === x) throw new Error("wasm backend transpose: out must be a different array from x");
      if (rows === 0 || cols === 0) return;
      stageUsed = 0;
      const px = place(x, rows * cols, true), pOut = place(out, rows * cols, false);
      run(OP_TRANSPOSE, [rows, cols, px, pOut], 1, rows * cols);
      copyOut(out, pOut, rows * cols);
    },

    layerNormForward(n, d, x, w, b, y, xhat, rstd): void {
      live("layerNormForward");
      checkDims("layerNormForward", { n, d });
      checkLengths("layerNormForward", { x: [x, n * d], w: [w, d], b: [b, d], y: [y, n * d], xhat: [xhat, n * d], rstd: [rstd, n] });
      if (n === 0 || d === 0) return;
      stageUsed = 0;
      const px = place(x, n * d, true), pw = place(w, d, true), pb = place(b, d, true);
      const py = place(y, n * d, false), pXhat = place(xhat, n * d, false), pRstd = place(rstd, n, false);
      run(OP_LAYER_NORM_FORWARD, [n, d, px, pw, pb, py, pXhat, pRstd], 1, 4 * n * d);
      copyOut(y, py, n * d);
      copyOut(xhat, pXhat, n * d);
      copyOut(rstd, pRstd, n);
    },

    layerNormBackward(n, d, dy, w, xhat, rstd, dx, dw, db, accumulate): void {
      live("layerNormBackward");
      checkDims("layerNormBackward", { n, d });
      checkLengths("layerNormBackward", { dy: [dy, n * d], w: [w, d], xhat: [xhat, n * d], rstd: [rstd, n], dx: [dx, n * d], dw: [dw, d], db: [db, d] });
      // Rows of dx and columns of dw, db are written by different chunks: dx must not overwrite what they read.
      if (dx === dy || dx === xhat) throw new Error(`wasm backend layerNormBackward: dx must be a different array from ${dx === dy ? "dy" : "xhat"}`);
      if (d === 0) return;
      stageUsed = 0;
      const pdy = place(dy, n * d, true), pw = place(w, d, true), pXhat = place(xhat, n * d, true), pRstd = place(rstd, n, true);
      const pdx = place(dx, n * d, accumulate), pdw = place(dw, d, false), pdb = place(db, d, false);
      run(OP_LAYER_NORM_BACKWARD, [n, d, pdy, pw, pXhat, pRstd, pdx, pdw, pdb, accumulate ? 1 : 0], 1, 4 * n * d);
      copyOut(dx, pdx, n * d);
      copyOut(dw, pdw, d);
      copyOut(db, pdb, d);
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (workers.length > 0) {
        ctl[OP] = OP_QUIT;
        Atomics.store(ctl, GEN, (gen = (gen + 1) & GEN_MASK));
        Atomics.notify(ctl, GEN);
        for (const w of workers) w.terminate();
      }
    },
  };
  return backend;
}

function startWorker(spawn: SpawnWorker, module: WebAssembly.Module, memory: WebAssembly.Memory, tid: number): Promise<WorkerHandle> {
  const w = spawn();
  return new Promise<WorkerHandle>((resolve, reject) => {
    let settled = false;
    w.onMessage((msg) => {
      if (settled) return;
      settled = true;
      const reply = msg as WorkerReply;
      if ("ready" in reply) {
        w.detach();
        resolve(w);
      } else {
        w.terminate();
        reject(new Error(`wasm backend: ${reply.error}`));
      }
    });
    w.onError((err) => {
      if (settled) return;
      settled = true;
      w.terminate();
      reject(new Error(`wasm backend: helper thread ${tid} failed to start: ${err instanceof Error ? err.message : String(err)}`));
    });
    w.postMessage({ module, memory, tid });
  });
}
