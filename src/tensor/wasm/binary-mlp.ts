import type { WasmHeap } from "./heap.js";
import type { AdamCoefficients } from "../kernels/adam.js";
import { writeAdamScalars, type KernelExports } from "./kernels.js";

/**
 * Tasks of batched training (assembly/binary-mlp-task.ts) for an MLP with one ReLU hidden layer on 0/1 inputs and two
 * classes, with two output columns or one (a single logit z, whose logits are (0, z)): an evaluation (forward, mean cross-entropy, correct count) or a full-batch training step (forward, loss,
 * backward, Adam/AdamW or SGD update), each bit-identical to the same work done through the backend's gemm and elementwise
 * calls, src/train/losses.ts (`cross_entropy`) and src/train/optimizers.ts (the assembly files say why). A task is a
 * record in the backend's memory, written once and run any number of times; `run` hands a list of tasks to the
 * backend's threads, which claim whole tasks, so K models keep every thread busy on models of its own. Every array a
 * task names must live in the backend's memory (`backend.alloc`): nothing is staged.
 */

/**
 * One split of a dataset with 0/1 inputs x [n, d] and labels y [n], in the backend's memory, as the positions of x's
 * ones two ways: row by row for the forward — the rows sorted by their lists of ones, each with the length of the
 * prefix it shares with the row before (the forward reuses the partial sums of shared prefixes, and reads this CSR
 * straight through) — and, for each chunk of `chunk` rows in their own order, column by column (for xᵀ products).
 */
export interface BinarySplit {
  readonly n: number;
  readonly d: number;
  readonly y: Int32Array; // [n]
  readonly order: Int32Array; // [n]: sorted row r is row order[r]
  readonly rowStart: Int32Array; // [n + 1]: sorted row r's ones are cols[rowStart[r] .. rowStart[r + 1])
  readonly cols: Uint16Array; // [ones], ascending within a row
  readonly lcp: Uint16Array; // [n + 1]: sorted row r shares its first lcp[r] ones with sorted row r − 1 (lcp[0] = lcp[n] = 0)
  readonly chunk: number;
  readonly cscStart: Int32Array; // [chunks · d + 1]: column p of chunk c is cscRows[cscStart[c·d + p] .. cscStart[c·d + p + 1])
  readonly cscRows: Uint8Array; // [ones], row offsets within the chunk, ascending
}

/** W0 [d, H], b0 [H], W_out [H, C], b_out [C] (C = 2, or 1: a single logit); biases null when the model has none. Also the gradients' shape. */
export interface BinaryMlpTensors {
  readonly W0: Float32Array;
  readonly b0: Float32Array | null;
  readonly Wout: Float32Array;
  readonly bout: Float32Array | null;
}

/** The update a step ends with, over flat arrays that the parameter and gradient tensors are views of. */
export type BinaryMlpUpdate =
  | { readonly kind: "adam"; readonly params: Float32Array; readonly grads: Float32Array; readonly m: Float32Array; readonly v: Float32Array }
  | { readonly kind: "sgd"; readonly params: Float32Array; readonly grads: Float32Array; readonly momentum: Float32Array | null };

export interface SgdStep {
  readonly lr: number;
  readonly wd: number;
  readonly l1: number;
  readonly momentum: number;
}

/** A task record; its fields are the backend's business. */
export interface BinaryMlpTask {
  readonly ptr: number;
  readonly kind: "eval" | "step";
  readonly update: BinaryMlpUpdate["kind"] | null;
  readonly scratchBytes: number;
  /** The record's int32 and float64 slots. */
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

/**
 * What a task found, after a run: the mean cross-entropy and the correct count of the forward (for a step: of the
 * parameters before its update), and how a step ended — "updated", "loss" (the loss was not finite: nothing else was
 * done) or "gradient" (a gradient was not finite: no update), the two places trainStep throws. A step's loss is null
 * when it was finite and not asked for (wantLoss).
 */
export interface BinaryMlpResult {
  readonly loss: number | null;
  readonly correct: number;
  readonly status: "updated" | "loss" | "gradient";
}

export interface BinaryMlpKernels {
  /** x [n, d] (0 or 1 only: the error names the first other entry) and labels y [n] copied into the backend's memory. */
  binarySplit(x: Float32Array, y: Int32Array, n: number, d: number): BinarySplit;
  /** Forward on `split` (W0 d×H, H ≥ 5; W_out with C = 2 columns, or 1 for a single logit), then the loss and correct count. */
  evalTask(split: BinarySplit, H: number, C: number, params: BinaryMlpTensors): BinaryMlpTask;
  /** A full-batch step on `split`: gradients into `grads` (overwritten), then `update` (set its scalars before each run). */
  stepTask(split: BinarySplit, H: number, C: number, params: BinaryMlpTensors, grads: BinaryMlpTensors, update: BinaryMlpUpdate | null): BinaryMlpTask;
  /** Whether a step computes its loss's value (it always computes the correct count, and whether the loss is finite). */
  wantLoss(task: BinaryMlpTask, yes: boolean): void;
  setAdam(task: BinaryMlpTask, step: AdamCoefficients): void;
  setSgd(task: BinaryMlpTask, step: SgdStep): void;
  /** Runs the tasks on the backend's threads, a whole task per thread (tasks of one run must not write one array). */
  run(tasks: readonly BinaryMlpTask[]): void;
  result(task: BinaryMlpTask): BinaryMlpResult;
  /** The kernels' exp and log1p (fdlibm's), to check them against this engine's Math.exp and Math.log1p. */
  exp(x: number): number;
  log1p(x: number): number;
  /**
   * The tasks' two-class softmax cross-entropy on logits [n, 2] and labels [n], to check it against the loss's reference:
   * the mean loss (or, without `value`, 0 when it is finite and NaN when not), the correct count, and with `gradient` dZ.
   */
  twoClassLoss(logits: Float32Array, labels: Int32Array, gradient: boolean, value: boolean): { loss: number; correct: number; dZ: Float32Array | null };
}

/** Largest input dimension: column indices are uint16. */
export const BINARY_MAX_DIM = 65535;

// Task record layout; must match assembly/binary-mlp-task.ts.
const TASK_BYTES = 256;
const F64 = 16; // float64 slots start at byte 128
const KIND = 0, N = 1, D = 2, WIDTH = 3, OUTS = 4, ROW_START = 5, COLS = 6, CSC_START = 7, CSC_ROWS = 8;
const W0 = 9, B0 = 10, WOUT = 11, BOUT = 12, LABELS = 13, GW0 = 14, GB0 = 15, GWOUT = 16, GBOUT = 17;
const P = 18, G = 19, M = 20, V = 21, LEN = 22, OPT = 23, STATUS = 24, CORRECT = 25, WANT_LOSS = 26, ORDER = 27, LCP = 28;
const LOSS = 10;
const KIND_EVAL = 1, KIND_STEP = 2;
const OPT_ADAM = 1, OPT_SGD = 2;
const STATUSES: readonly BinaryMlpResult["status"][] = ["updated", "loss", "gradient"];

/** How the backend runs a job: `count` task pointers at `tasks`, each thread with `scratchBytes` of scratch. */
export type RunJob = (count: number, tasks: number, scratchBytes: number) => void;

export function binaryMlpKernels(ex: KernelExports, heap: WasmHeap, live: (op: string) => void, runJob: RunJob): BinaryMlpKernels {
  let list: Int32Array = new Int32Array(0);
  const made = new WeakSet<BinaryMlpTask>();

  function ptr(op: string, name: string, a: ArrayBufferView, need: number): number {
    const p = heap.ptrOf(a);
    if (p < 0) throw new Error(`wasm backend ${op}: ${name} must be allocated by this backend (backend.alloc)`);
    const length = (a as Float32Array).length;
    if (length < need) throw new Error(`wasm backend ${op}: ${name} has ${length} elements, needs ${need}`);
    return p;
  }
  const optional = (op: string, name: string, a: Float32Array | null, need: number): number => (a ? ptr(op, name, a, need) : 0);

  /** A new record with the split, the shape and the parameters filled in. */
  function record(op: string, x: BinarySplit, H: number, C: number, p: BinaryMlpTensors): Int32Array {
    if (!Number.isInteger(H) || H < 5) throw new Error(`wasm backend ${op}: the hidden width must be an integer ≥ 5, got ${H}`);
    if (C !== 1 && C !== 2) throw new Error(`wasm backend ${op}: the tasks are written for 2 outputs, or 1 (a single logit z, logits (0, z)), got ${C}`);
    if (x.chunk !== ex.binaryMlpChunkRows()) throw new Error(`wasm backend ${op}: the split was not made by binarySplit`);
    const ones = x.rowStart[x.n];
    const r = heap.i32(heap.reserve(TASK_BYTES), TASK_BYTES / 4);
    r[N] = x.n;
    r[D] = x.d;
    r[WIDTH] = H;
    r[OUTS] = C;
    r[ROW_START] = ptr(op, "rowStart", x.rowStart, x.n + 1);
    r[COLS] = ptr(op, "cols", x.cols, ones);
    r[CSC_START] = ptr(op, "cscStart", x.cscStart, Math.ceil(x.n / x.chunk) * x.d + 1);
    r[CSC_ROWS] = ptr(op, "cscRows", x.cscRows, ones);
    r[LABELS] = ptr(op, "y", x.y, x.n);
    r[ORDER] = ptr(op, "order", x.order, x.n);
    r[LCP] = ptr(op, "lcp", x.lcp, x.n + 1);
    r[W0] = ptr(op, "W0", p.W0, x.d * H);
    r[B0] = optional(op, "b0", p.b0, H);
    r[WOUT] = ptr(op, "Wout", p.Wout, H * C);
    r[BOUT] = optional(op, "bout", p.bout, C);
    return r;
  }

  function task(r: Int32Array, kind: BinaryMlpTask["kind"], update: BinaryMlpTask["update"], n: number, H: number, C: number): BinaryMlpTask {
    r[KIND] = kind === "eval" ? KIND_EVAL : KIND_STEP;
    const f64 = new Float64Array(heap.memory.buffer, r.byteOffset + F64 * 8, LOSS + 1);
    const t: BinaryMlpTask = { ptr: r.byteOffset, kind, update, scratchBytes: ex.binaryMlpScratchBytes(n, r[D], H, C), i32: r, f64 };
    made.add(t);
    return t;
  }

  return {
    binarySplit(x, y, n, d) {
      live("binarySplit");
      if (!Number.isInteger(n) || n < 0) throw new Error(`wasm backend binarySplit: n must be a non-negative integer, got ${n}`);
      if (!Number.isInteger(d) || d < 1 || d > BINARY_MAX_DIM) throw new Error(`wasm backend binarySplit: d must be an integer in [1, ${BINARY_MAX_DIM}], got ${d}`);
      if (x.length < n * d) throw new Error(`wasm backend binarySplit: x has ${x.length} values, needs n·d = ${n * d}`);
      if (y.length < n) throw new Error(`wasm backend binarySplit: y has ${y.length} labels, needs n = ${n}`);
      let ones = 0;
      for (let i = 0; i < n * d; i++) {
        const v = x[i];
        if (v === 1) ones++;
        else if (v !== 0) throw new Error(`wasm backend binarySplit: x[${Math.floor(i / d)}, ${i % d}] = ${v} is not 0 or 1`);
      }
      const labels = heap.i32(heap.reserve(4 * n), n);
      labels.set(y.subarray(0, n));
      // rows as lists of their ones, then sorted
      const lists: number[][] = [];
      for (let i = 0; i < n; i++) {
        const l: number[] = [];
        for (let j = 0; j < d; j++) if (x[i * d + j] === 1) l.push(j);
        lists.push(l);
      }
      const common = (a: readonly number[], b: readonly number[]): number => {
        let t = 0;
        while (t < a.length && t < b.length && a[t] === b[t]) t++;
        return t;
      };
      const sorted = lists.map((_, i) => i).sort((a, b) => {
        const la = lists[a], lb = lists[b], t = common(la, lb);
        if (t < la.length && t < lb.length) return la[t] - lb[t];
        return la.length - lb.length || a - b;
      });
      const order = heap.i32(heap.reserve(4 * n), n);
      order.set(sorted);
      const rowStart = heap.i32(heap.reserve(4 * (n + 1)), n + 1);
      const colsPtr = heap.reserve(2 * ones);
      const cols = new Uint16Array(heap.memory.buffer, colsPtr, ones);
      const lcpPtr = heap.reserve(2 * (n + 1));
      const lcp = new Uint16Array(heap.memory.buffer, lcpPtr, n + 1);
      let a = 0;
      for (let r = 0; r < n; r++) {
        const l = lists[sorted[r]];
        rowStart[r] = a;
        cols.set(l, a);
        a += l.length;
        if (r > 0) lcp[r] = common(lists[sorted[r - 1]], l);
      }
      rowStart[n] = a;
      const chunk = ex.binaryMlpChunkRows();
      const chunks = Math.ceil(n / chunk);
      const cscStart = heap.i32(heap.reserve(4 * (chunks * d + 1)), chunks * d + 1);
      const cscPtr = heap.reserve(ones);
      const cscRows = new Uint8Array(heap.memory.buffer, cscPtr, ones);
      a = 0;
      for (let c = 0; c < chunks; c++) {
        const i0 = c * chunk, i1 = Math.min(n, i0 + chunk);
        for (let j = 0; j < d; j++) {
          cscStart[c * d + j] = a;
          for (let i = i0; i < i1; i++) if (x[i * d + j] === 1) cscRows[a++] = i - i0;
        }
      }
      cscStart[chunks * d] = a;
      return { n, d, y: labels, order, rowStart, cols, lcp, chunk, cscStart, cscRows };
    },

    evalTask(x, H, C, params) {
      live("binaryMlp evalTask");
      return task(record("binaryMlp evalTask", x, H, C, params), "eval", null, x.n, H, C);
    },

    stepTask(x, H, C, params, grads, update) {
      live("binaryMlp stepTask");
      const op = "binaryMlp stepTask";
      if (!params.b0 !== !grads.b0 || !params.bout !== !grads.bout) throw new Error(`wasm backend ${op}: the gradients must have the parameters' biases`);
      const r = record(op, x, H, C, params);
      r[GW0] = ptr(op, "grad W0", grads.W0, x.d * H);
      r[GB0] = optional(op, "grad b0", grads.b0, H);
      r[GWOUT] = ptr(op, "grad Wout", grads.Wout, H * C);
      r[GBOUT] = optional(op, "grad bout", grads.bout, C);
      if (update) {
        const len = update.params.length;
        r[P] = ptr(op, "update params", update.params, len);
        r[G] = ptr(op, "update grads", update.grads, len);
        r[LEN] = len;
        if (update.kind === "adam") {
          r[OPT] = OPT_ADAM;
          r[M] = ptr(op, "update m", update.m, len);
          r[V] = ptr(op, "update v", update.v, len);
        } else {
          r[OPT] = OPT_SGD;
          r[M] = optional(op, "update momentum", update.momentum, len);
        }
      }
      return task(r, "step", update?.kind ?? null, x.n, H, C);
    },

    wantLoss(t, yes) {
      if (t.kind !== "step") throw new Error("wasm backend binaryMlp wantLoss: not a step task");
      t.i32[WANT_LOSS] = yes ? 1 : 0;
    },

    setAdam(t, s) {
      if (t.update !== "adam") throw new Error("wasm backend binaryMlp setAdam: the task does not end with an Adam update");
      writeAdamScalars(t.f64, s);
    },

    setSgd(t, s) {
      if (t.update !== "sgd") throw new Error("wasm backend binaryMlp setSgd: the task does not end with an SGD update");
      const f = t.f64;
      f[0] = s.lr; f[1] = s.wd; f[2] = s.l1; f[3] = s.momentum;
    },

    run(tasks) {
      live("binaryMlp run");
      if (tasks.length === 0) return;
      if (tasks.length > list.length) {
        const cap = Math.max(tasks.length, 2 * list.length);
        list = heap.i32(heap.reserve(4 * cap), cap);
      }
      let scratch = 0;
      for (let i = 0; i < tasks.length; i++) {
        const t = tasks[i];
        if (!made.has(t)) throw new Error("wasm backend binaryMlp run: a task was not made by this backend");
        list[i] = t.ptr;
        if (t.scratchBytes > scratch) scratch = t.scratchBytes;
      }
      runJob(tasks.length, list.byteOffset, scratch);
    },

    result(t) {
      const r = t.i32;
      const status = STATUSES[r[STATUS]];
      const loss = t.kind === "step" && status !== "loss" && r[WANT_LOSS] === 0 ? null : t.f64[LOSS];
      return { loss, correct: r[CORRECT], status };
    },

    exp: (x) => ex.exactExp(x),
    log1p: (x) => ex.exactLog1p(x),

    twoClassLoss(logits, labels, gradient, value) {
      live("binaryMlp twoClassLoss");
      const n = labels.length;
      if (logits.length !== 2 * n) throw new Error(`wasm backend binaryMlp twoClassLoss: logits have ${logits.length} entries, not 2 × ${n}`);
      const Z = heap.reserve(8 * n), y = heap.reserve(4 * n), dZ = gradient ? heap.reserve(8 * n) : 0, correct = heap.reserve(4);
      heap.f32(Z, 2 * n).set(logits);
      heap.i32(y, n).set(labels);
      const loss = ex.binaryCrossEntropy(n, Z, y, dZ, correct, value ? 1 : 0);
      return { loss, correct: heap.i32(correct, 1)[0], dZ: gradient ? heap.f32(dZ, 2 * n).slice() : null };
    },
  };
}

