import type { KernelExports } from "./kernels.js";

/**
 * The control block: int32 slots in the shared memory through which the calling thread hands a kernel call to its
 * helper threads, with plain Atomics (no messages). One call, generation g:
 *   caller  writes the op and arguments, zeroes COUNTER/DONE/ERROR, sets STATE = g << 8, then GEN = g and notifies;
 *           runs the kernel itself (taking chunks from COUNTER until none are left); then closes the call by setting
 *           the CLOSED bit of STATE, which also tells it how many helpers joined, and waits until DONE reaches that.
 *   helper  wakes on GEN = g; joins by incrementing STATE if it still holds g and is not closed; runs the kernel;
 *           increments DONE.
 * A helper that wakes after the call was closed does nothing, so the caller never waits for a sleeping thread:
 * with a busy or slow second core, the caller simply does all the chunks itself.
 */
export const CTL_OFFSET = 4096; // bytes; below the heap, above anything the module itself could place in memory
export const CTL_SLOTS = 32;
export const GEN = 0;
export const DONE = 1;
export const OP = 2;
export const SHARES = 3; // fixed ranges a column split is cut into (the thread count)
export const ARGS = 4; // 16 int32 arguments (slots 4 to 19)
export const SCALE = 20; // one float32
export const SCALE64 = 26; // one float64 (slots 26 and 27)
export const SCRATCH = 21; // scratch base pointer
export const SCRATCH_STRIDE = 22; // scratch bytes per thread
export const ERROR = 23; // tid of a helper whose run threw
export const COUNTER = 24; // chunk counter the kernels claim work from
export const STATE = 25; // (generation << 8) | CLOSED | number of helpers that joined
const COUNTER_PTR = CTL_OFFSET + 4 * COUNTER;
const CLOSED = 0x80;
const JOINED_MASK = 0x7f;
/** Generations wrap at 2^23 so that `g << 8` stays a positive int32. */
export const GEN_MASK = 0x7fffff;

export const OP_GEMM = 1;
export const OP_GATHER_SUM_SQUARE = 2;
export const OP_SCATTER_ADD2 = 3;
export const OP_ADD_ROW_VECTOR = 4;
export const OP_BIAS_RELU = 5;
export const OP_RELU_BACKWARD = 6;
export const OP_COLUMN_SUMS = 7;
export const OP_BINARY_MLP_JOB = 8;
export const OP_ATTENTION_FORWARD = 9;
export const OP_ATTENTION_BACKWARD = 10;
export const OP_GATHER_ROWS_SUM = 11;
export const OP_SCATTER_ROWS_ADD = 12;
export const OP_ADD_ARRAYS = 13;
export const OP_CROSS_ENTROPY_ROWS = 14;
export const OP_MSE_ROWS = 15;
export const OP_ADAM_UPDATE = 16;
export const OP_LAYER_NORM_FORWARD = 17;
export const OP_LAYER_NORM_BACKWARD = 18;
export const OP_TRANSPOSE = 19;
export const OP_DROPOUT_MASK = 20;
export const OP_MUL_ARRAYS = 21;
export const OP_NORMALS = 22;
export const OP_STABLEMAX_ROWS = 23;
export const OP_QUIT = 99;

/** Spin iterations before a waiting thread falls back to Atomics.wait (keeps hand-over latency in microseconds). */
export const SPIN = 20000;

/** The call's float64 argument (slots SCALE64 and SCALE64 + 1). */
function scale64(ctl: Int32Array): number {
  return new Float64Array(ctl.buffer, CTL_OFFSET + 4 * SCALE64, 1)[0];
}

/** Runs the call in the control block on thread `tid` (which only selects the thread's scratch memory). */
export function runShare(ex: KernelExports, ctl: Int32Array, ctlF: Float32Array, tid: number): void {
  const shares = ctl[SHARES];
  const a = ARGS;
  const scratch = ctl[SCRATCH] + tid * ctl[SCRATCH_STRIDE];
  switch (ctl[OP]) {
    case OP_GEMM:
      ex.gemm(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctlF[SCALE], scratch, COUNTER_PTR, shares);
      return;
    case OP_GATHER_SUM_SQUARE:
      ex.gatherSumSquare(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], COUNTER_PTR);
      return;
    case OP_SCATTER_ADD2:
      ex.scatterAdd2(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], COUNTER_PTR, shares);
      return;
    case OP_ADD_ROW_VECTOR:
      ex.addRowVector(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], COUNTER_PTR);
      return;
    case OP_BIAS_RELU:
      ex.biasRelu(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], COUNTER_PTR);
      return;
    case OP_RELU_BACKWARD:
      ex.reluBackward(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], COUNTER_PTR, shares);
      return;
    case OP_COLUMN_SUMS:
      ex.columnSums(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], COUNTER_PTR, shares);
      return;
    case OP_ATTENTION_FORWARD:
      ex.attentionForward(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], ctl[a + 9], scratch, COUNTER_PTR);
      return;
    case OP_ATTENTION_BACKWARD:
      ex.attentionBackward(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], ctl[a + 9], ctl[a + 10], ctl[a + 11], scratch, COUNTER_PTR);
      return;
    case OP_GATHER_ROWS_SUM:
      ex.gatherRowsSum(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], COUNTER_PTR);
      return;
    case OP_SCATTER_ROWS_ADD:
      ex.scatterRowsAdd(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], COUNTER_PTR, shares);
      return;
    case OP_ADD_ARRAYS:
      ex.addArrays(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], COUNTER_PTR);
      return;
    case OP_CROSS_ENTROPY_ROWS:
      ex.softmaxCrossEntropyRows(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], scale64(ctl), ctl[a + 4], ctl[a + 5], ctl[a + 6], COUNTER_PTR);
      return;
    case OP_MSE_ROWS:
      ex.mseRows(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], scale64(ctl), ctl[a + 4], ctl[a + 5], ctl[a + 6], COUNTER_PTR);
      return;
    case OP_ADAM_UPDATE:
      ex.adamUpdateChunks(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], COUNTER_PTR);
      return;
    case OP_LAYER_NORM_FORWARD:
      ex.layerNormForward(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], COUNTER_PTR);
      return;
    case OP_LAYER_NORM_BACKWARD:
      ex.layerNormBackward(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], ctl[a + 9], COUNTER_PTR);
      return;
    case OP_MUL_ARRAYS:
      ex.mulArrays(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], COUNTER_PTR);
      return;
    case OP_DROPOUT_MASK:
      ex.dropoutMask(ctl[a], ctl[a + 1], ctl[a + 2], scale64(ctl), ctlF[SCALE], ctl[a + 3], COUNTER_PTR);
      return;
    case OP_STABLEMAX_ROWS:
      ex.stableMaxCrossEntropyRows(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], COUNTER_PTR);
      return;
    case OP_NORMALS:
      ex.normals(ctl[a], ctl[a + 1], ctl[a + 2], scale64(ctl), ctl[a + 3], COUNTER_PTR);
      return;
    case OP_TRANSPOSE:
      ex.transpose(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], COUNTER_PTR);
      return;
    case OP_BINARY_MLP_JOB:
      ex.binaryMlpJob(ctl[a], ctl[a + 1], scratch, COUNTER_PTR);
      return;
    default:
      throw new Error(`wasm backend: unknown op ${ctl[OP]} in the control block`);
  }
}

/** Caller: makes the call already written to the control block visible to the helpers as generation `gen`. */
export function publish(ctl: Int32Array, gen: number): void {
  Atomics.store(ctl, COUNTER, 0);
  Atomics.store(ctl, DONE, 0);
  Atomics.store(ctl, ERROR, 0);
  Atomics.store(ctl, STATE, gen << 8);
  Atomics.store(ctl, GEN, gen);
  Atomics.notify(ctl, GEN);
}

/** Caller, after running the call itself: closes it, waits for the helpers that joined and returns their number. */
export function closeAndWait(ctl: Int32Array, canBlock: boolean): number {
  let s = Atomics.load(ctl, STATE);
  for (;;) {
    const seen = Atomics.compareExchange(ctl, STATE, s, s | CLOSED);
    if (seen === s) break;
    s = seen;
  }
  const joined = s & JOINED_MASK;
  let done = Atomics.load(ctl, DONE);
  for (let i = 0; done < joined && i < SPIN; i++) done = Atomics.load(ctl, DONE);
  while (done < joined) {
    if (canBlock) Atomics.wait(ctl, DONE, done, 1000);
    done = Atomics.load(ctl, DONE);
  }
  return joined;
}

/** Helper: joins call `gen` unless it was closed (or replaced by a newer one) before this thread got to it. */
export function join(ctl: Int32Array, gen: number): boolean {
  let s = Atomics.load(ctl, STATE);
  for (;;) {
    if (s >>> 8 !== gen || (s & CLOSED) !== 0) return false;
    const seen = Atomics.compareExchange(ctl, STATE, s, s + 1);
    if (seen === s) return true;
    s = seen;
  }
}

/** Helper: reports its run finished. */
export function finish(ctl: Int32Array): void {
  Atomics.add(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
}
