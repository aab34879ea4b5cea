// @ts-nocheck — AssemblyScript (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
//
// Tasks of batched training (two classes), one model each, run whole by one thread: a job hands a list of tasks to
// the backend's threads, which claim them from the shared counter — so K models keep every thread busy on models of
// its own (splitting each small product over threads would cost more in hand-overs than it saves).
//  - EVAL: forward on a split, then the mean softmax cross-entropy and the number of correct argmax predictions.
//  - STEP: one full-batch training step — forward, loss and its gradient, backward, and (when loss and gradients
//    are finite) the optimizer update — bit-identical to trainStep with the wasm backend and the "cross_entropy" loss.
//    The loss's value is computed only when the host asks for it (an evaluation step) or when it is not finite.
// The hidden layer, logits and their gradient live in the thread's scratch memory for the duration of a task.
import { at, backwardScratchBytes, binaryMlpBackward, binaryMlpForward, forwardScratchBytes } from "./binary-mlp";
import { adamUpdate, sgdUpdate } from "./optimizers";
import { EXP_PAIR_ABS_MAX, fdlibmExp, fdlibmExpPair, fdlibmLog1p } from "./exact-math";
import { FLUSH_BELOW, flushTiny } from "./cross-entropy";
import { claim } from "./util";

/**
 * softmaxCrossEntropy of src/train/losses.ts for two classes, with its float64 arithmetic operation for operation
 * (exp and log1p are fdlibm's, as V8's Math.exp and Math.log1p): logits Z [n, 2] (f32), labels y [n] (i32, 0 or 1). dZ = 0:
 * no gradient, else dZ [n, 2] = d(mean loss)/dZ (an entry below 2^-100 stored as +0, as the reference does). The number of correct rows goes to `correct` (an i32). Returns the
 * mean loss — or, when `value` is false, 0 if that loss is finite and NaN if not, without its logarithms (the costliest
 * part): a row's term (m − z_y) + log1p(e^(z_other − m)) is finite exactly when m − z_y is and the exponential is not
 * NaN (it is at most 1, so the log1p is finite then), and n finite terms below 2^129 each cannot overflow their sum.
 * A training step's call (a gradient, no value) takes two rows at a time (gradientPairs).
 */
export function crossEntropy(n: i32, Z: usize, y: usize, dZ: usize, correct: usize, value: bool): f64 {
  store<i32>(correct, 0);
  const total = value || dZ == 0 ? crossEntropyRows(0, n, n, Z, y, dZ, correct, value) : gradientPairs(n, Z, y, dZ, correct);
  return n > 0 ? total / <f64>n : 0;
}

/** Rows i0 .. i1 of crossEntropy (of n): adds their correct rows to `correct`, returns the sum of their terms (value) or 0 / NaN. */
function crossEntropyRows(i0: i32, i1: i32, n: i32, Z: usize, y: usize, dZ: usize, correct: usize, value: bool): f64 {
  let total: f64 = 0;
  let right = 0;
  for (let i = i0; i < i1; i++) {
    const o = Z + (<usize>i << 3);
    const z0 = <f64>load<f32>(o), z1 = <f64>load<f32>(o, 4);
    const yi = load<i32>(at(y, i));
    const arg = z1 > z0 || (z0 != z0 && z1 == z1) ? 1 : 0;
    if (arg == yi) right++;
    const m = arg == 0 ? z0 : z1;
    const e = fdlibmExp((arg == 0 ? z1 : z0) - m);
    const notArg: f64 = 0 + e;
    const margin = m - (yi == 0 ? z0 : z1);
    if (value) total += margin + fdlibmLog1p(notArg);
    else if (margin - margin != 0 || notArg != notArg) total = NaN;
    if (dZ != 0) {
      const stored = <f64><f32>e; // dZ holds e rounded to float32 until it is scaled
      const notY = yi == arg ? notArg : 1 + notArg - stored;
      const inv = 1 / ((1 + notArg) * <f64>n);
      let d0 = <f32>((arg == 0 ? 1 : stored) * inv), d1 = <f32>((arg == 1 ? 1 : stored) * inv);
      if (yi == 0) d0 = <f32>(-notY * inv);
      else d1 = <f32>(-notY * inv);
      const q = dZ + (<usize>i << 3);
      store<f32>(q, flushTiny(d0));
      store<f32>(q, flushTiny(d1), 4);
    }
  }
  store<i32>(correct, load<i32>(correct) + right);
  return total;
}

/**
 * crossEntropyRows without the value, two rows per f64x2 operation and no branch on the data, each lane with the
 * scalar row's operations on the same values (exp by fdlibmExpPair). A pair with a logit that is not
 * finite, a label not 0 or 1, or |x| ≥ 707 goes through crossEntropyRows.
 */
function gradientPairs(n: i32, Z: usize, y: usize, dZ: usize, correct: usize): f64 {
  let total: f64 = 0;
  let right = 0;
  const zero = f64x2.splat(0), one = f64x2.splat(1), nv = f64x2.splat(<f64>n);
  const flush = f32x4.splat(FLUSH_BELOW);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const zz = v128.load(Z + (<usize>i << 3)); // z0 z1 of row i, then of row i + 1
    const labels = v128.load64_zero(at(y, i));
    const Z0 = f64x2.promote_low_f32x4(v128.shuffle<f32>(zz, zz, 0, 2, 0, 2));
    const Z1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(zz, zz, 1, 3, 1, 3));
    const arg1 = f64x2.gt(Z1, Z0); // arg = 1 (no NaN here: ties go to class 0)
    const m = v128.bitselect(Z1, Z0, arg1);
    const x = f64x2.sub(v128.bitselect(Z0, Z1, arg1), m);
    const ax = f64x2.abs(x); // NaN when a logit is NaN, ∞ when one is infinite: both fail the test
    if (!i64x2.all_true(f64x2.lt(ax, f64x2.splat(EXP_PAIR_ABS_MAX))) || !i32x4.all_true(i32x4.lt_u(labels, i32x4.splat(2)))) {
      total += crossEntropyRows(i, i + 2, n, Z, y, dZ, correct, false);
      continue;
    }
    const e = fdlibmExpPair(x, ax); // x ≤ 0
    // the rest of crossEntropyRows' row, per lane
    const notArg = f64x2.add(zero, e);
    const stored = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(e));
    const y1 = i64x2.ne(i64x2.extend_low_i32x4_s(labels), zero); // label 1
    const same = v128.not(v128.xor(arg1, y1)); // arg == label
    right += <i32>popcnt<i32>(i64x2.bitmask(same));
    const onePlus = f64x2.add(one, notArg);
    const notY = v128.bitselect(notArg, f64x2.sub(onePlus, stored), same);
    const inv = f64x2.div(one, f64x2.mul(onePlus, nv));
    const negY = f64x2.mul(f64x2.neg(notY), inv);
    const d0 = v128.bitselect(f64x2.mul(v128.bitselect(stored, one, arg1), inv), negY, y1);
    const d1 = v128.bitselect(negY, f64x2.mul(v128.bitselect(one, stored, arg1), inv), y1);
    const out = v128.shuffle<f32>(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 4, 1, 5);
    v128.store(dZ + (<usize>i << 3), v128.and(out, f32x4.ge(f32x4.abs(out), flush)));
  }
  store<i32>(correct, load<i32>(correct) + right);
  if (i < n) total += crossEntropyRows(i, n, n, Z, y, dZ, correct, false);
  return total;
}

// A task record (256 bytes, written by the host, src/tensor/wasm/binary-mlp.ts): int32 slots, then float64 slots.
const F64: usize = 128;
const KIND = 0, N = 1, D = 2, WIDTH = 3, OUTS = 4, ROW_START = 5, COLS = 6, CSC_START = 7, CSC_ROWS = 8;
const W0 = 9, B0 = 10, WOUT = 11, BOUT = 12, LABELS = 13, GW0 = 14, GB0 = 15, GWOUT = 16, GBOUT = 17;
const P = 18, G = 19, M = 20, V = 21, LEN = 22, OPT = 23, STATUS = 24, CORRECT = 25, WANT_LOSS = 26, ORDER = 27, LCP = 28;
const LOSS = 10; // float64 slot; 0..9 hold the optimizer's scalars
const KIND_EVAL = 1, KIND_STEP = 2;
const OPT_ADAM = 1, OPT_SGD = 2; // 0: no update
// STATUS after a step: 0 updated, 1 the loss was not finite (nothing else done), 2 a gradient was not (no update)
const LOSS_NOT_FINITE = 1, GRADIENT_NOT_FINITE = 2;

@inline function slot(task: usize, k: i32): i32 {
  return load<i32>(task + (<usize>k << 2));
}

@inline function scalar(task: usize, k: i32): f64 {
  return load<f64>(task + F64 + (<usize>k << 3));
}

@inline function align16(bytes: i32): i32 {
  return (bytes + 15) & ~15;
}

/** Bytes of scratch one thread needs for a task over n rows of d inputs, width H, C outputs (a step or an evaluation). */
export function binaryMlpScratchBytes(n: i32, d: i32, H: i32, C: i32): i32 {
  const fwd = forwardScratchBytes(d, H, C), bwd = backwardScratchBytes(H, C);
  const step = align16(n * H * 4) + 2 * align16(n * 2 * 4) + (fwd > bwd ? fwd : bwd); // logits and dZ: [n, 2]
  const evaluation = align16(n * 2 * 4) + fwd;
  return (step > evaluation ? step : evaluation) + 64;
}

/** Runs the tasks whose records are at the addresses tasks[0 .. count); `scratch` is this thread's. */
export function binaryMlpJob(count: i32, tasks: usize, scratch: usize, counter: usize): void {
  for (let t = claim(counter); t < count; t = claim(counter)) runTask(<usize>load<i32>(at(tasks, t)), scratch);
}

function runTask(task: usize, scratch: usize): void {
  const n = slot(task, N), H = slot(task, WIDTH), C = slot(task, OUTS);
  const W0p = slot(task, W0), b0 = slot(task, B0), Wout = slot(task, WOUT), bout = slot(task, BOUT);
  const correct = task + (<usize>CORRECT << 2);
  if (slot(task, KIND) == KIND_EVAL) {
    const Z = scratch;
    binaryMlpForward(n, H, C, slot(task, ROW_START), slot(task, COLS), slot(task, ORDER), slot(task, LCP), W0p, b0, Wout, bout, 0, Z, Z + align16(n * 2 * 4));
    store<f64>(task + F64 + (<usize>LOSS << 3), crossEntropy(n, Z, slot(task, LABELS), 0, correct, true));
    store<i32>(task + (<usize>STATUS << 2), 0);
    return;
  }
  const post = scratch;
  const Z = post + align16(n * H * 4);
  const dZ = Z + align16(n * 2 * 4);
  const rest = dZ + align16(n * 2 * 4);
  binaryMlpForward(n, H, C, slot(task, ROW_START), slot(task, COLS), slot(task, ORDER), slot(task, LCP), W0p, b0, Wout, bout, post, Z, rest);
  const want = slot(task, WANT_LOSS) != 0;
  const value = crossEntropy(n, Z, slot(task, LABELS), dZ, correct, want);
  if (value - value != 0) { // NaN or ±∞: trainStep stops before the backward (and reports the loss)
    store<f64>(task + F64 + (<usize>LOSS << 3), want ? value : crossEntropy(n, Z, slot(task, LABELS), 0, correct, true));
    store<i32>(task + (<usize>STATUS << 2), LOSS_NOT_FINITE);
    return;
  }
  store<f64>(task + F64 + (<usize>LOSS << 3), want ? value : NaN);
  const ok = binaryMlpBackward(n, slot(task, D), H, C, slot(task, CSC_START), slot(task, CSC_ROWS), Wout, post, dZ, slot(task, GW0), slot(task, GB0), slot(task, GWOUT), slot(task, GBOUT), rest);
  if (ok == 0) { // trainStep stops before the update
    store<i32>(task + (<usize>STATUS << 2), GRADIENT_NOT_FINITE);
    return;
  }
  const opt = slot(task, OPT);
  if (opt == OPT_ADAM) {
    adamUpdate(slot(task, LEN), slot(task, P), slot(task, G), slot(task, M), slot(task, V), scalar(task, 0), scalar(task, 1), scalar(task, 2), scalar(task, 3), scalar(task, 4), scalar(task, 5), scalar(task, 6), scalar(task, 7), scalar(task, 8), scalar(task, 9), 0); // no flush: flush_below runs are not batched
  } else if (opt == OPT_SGD) {
    sgdUpdate(slot(task, LEN), slot(task, P), slot(task, G), slot(task, M), scalar(task, 0), scalar(task, 1), scalar(task, 2), scalar(task, 3));
  }
  store<i32>(task + (<usize>STATUS << 2), 0);
}
