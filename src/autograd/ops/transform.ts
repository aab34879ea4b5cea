import type { Graph, Var } from "../graph.js";
import { sizeOf } from "../../tensor/tensor.js";
import { cols, rows } from "./shape.js";

/** Layout ops: transposes, reshapes, position selection and head packing. They move values; their VJPs move gradients back. */

/** xᵀ for x read as a matrix [r, c] → [c, r]. */
export function transpose(g: Graph, x: Var): Var {
  const r = rows(x), c = cols(x);
  const out = g.buffer("transpose", r * c);
  g.backend.transpose(r, c, x.data, out);
  return g.record([c, r], out, [x], (dOut) => {
    const t = g.grad(x);
    if (!t) return;
    if (!t.accumulate) g.backend.transpose(c, r, dOut, t.data);
    else for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t.data[i * c + j] += dOut[j * r + i];
  });
}

/** The same values under another shape (copied, so the result is a value of its own on the tape). */
export function reshape(g: Graph, x: Var, shape: readonly number[]): Var {
  const n = sizeOf(shape);
  if (n !== x.data.length) throw new Error(`autograd reshape: [${x.shape.join(", ")}] has ${x.data.length} values, [${shape.join(", ")}] needs ${n}`);
  const out = g.buffer("reshape", n);
  out.set(x.data);
  return g.record(shape, out, [x], (dOut) => g.passThrough(x, dOut));
}

/**
 * Two-class logits from one: z [n, 1] → [n, 2] = (0, z). Softmax over (0, z) gives class 1 the sigmoid σ(z), so a
 * softmax cross-entropy on them is the binary cross-entropy of the single logit, and the argmax is z > 0 (a tie goes
 * to class 0). Its VJP hands z the second column's gradient.
 */
export function binaryLogits(g: Graph, z: Var): Var {
  if (cols(z) !== 1) throw new Error(`autograd binaryLogits: expected one logit per row, got shape [${z.shape.join(", ")}]`);
  const n = z.data.length;
  const out = g.buffer("binaryLogits", 2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = 0;
    out[2 * i + 1] = z.data[i];
  }
  return g.record([n, 2], out, [z], (dOut) => {
    const t = g.grad(z);
    if (!t) return;
    if (t.accumulate) for (let i = 0; i < n; i++) t.data[i] += dOut[2 * i + 1];
    else for (let i = 0; i < n; i++) t.data[i] = dOut[2 * i + 1];
  });
}

/**
 * Rows at some positions of each sequence: x [n·T, d] → [n·P, d] with out[i·P + j] = x[i·T + positions[j]]
 * (the query rows of the last transformer block, which only predicts from the last position).
 */
export function selectPositions(g: Graph, x: Var, T: number, positions: Int32Array): Var {
  const d = cols(x), nT = rows(x), P = positions.length;
  if (nT % T !== 0) throw new Error(`autograd selectPositions: ${nT} rows are not sequences of ${T}`);
  const n = nT / T;
  if (P === T && positions.every((p, i) => p === i)) return x;
  for (const p of positions) if (!(Number.isInteger(p) && p >= 0 && p < T)) throw new Error(`autograd selectPositions: position ${p} is outside [0, ${T})`);
  const out = g.buffer("selectPositions", n * P * d);
  const picked = pickedRows(n, T, positions);
  g.backend.gatherRowsSum(n * P, 1, d, x.data, picked, 0, out);
  return g.record([n * P, d], out, [x], (dOut) => {
    const t = g.grad(x);
    if (!t) return;
    if (!t.accumulate) t.data.fill(0);
    g.backend.scatterRowsAdd(n * P, 1, d, dOut, picked, 0, t.data);
  });
}

const pickedCache = new WeakMap<Int32Array, Map<string, Int32Array>>();

/** Row numbers i·T + positions[j] of x [n·T, d] in the order of selectPositions' output (cached: index arrays stay fixed). */
function pickedRows(n: number, T: number, positions: Int32Array): Int32Array {
  let byShape = pickedCache.get(positions);
  if (!byShape) pickedCache.set(positions, (byShape = new Map()));
  const key = `${n}/${T}`;
  let rows = byShape.get(key);
  if (!rows) {
    const P = positions.length;
    rows = new Int32Array(n * P);
    for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) rows[i * P + j] = i * T + positions[j];
    byShape.set(key, rows);
  }
  return rows;
}

/**
 * Per-head weights side by side: each W [H, d, e] becomes columns h·e … h·e + e − 1 of its block, blocks in argument
 * order → [d, k·H·e]. (One projection matmul for all heads, and for K and V together.)
 */
export function packHeads(g: Graph, ...Ws: Var[]): Var {
  const [H, d, e] = Ws[0].shape;
  for (const W of Ws) if (W.shape.length !== 3 || W.shape[0] !== H || W.shape[1] !== d || W.shape[2] !== e) throw new Error(`autograd packHeads: expected [${H}, ${d}, ${e}], got [${W.shape.join(", ")}]`);
  const He = H * e, stride = Ws.length * He;
  const out = g.buffer("packHeads", d * stride);
  Ws.forEach((W, b) => {
    for (let h = 0; h < H; h++) for (let r = 0; r < d; r++) for (let c = 0; c < e; c++) out[r * stride + b * He + h * e + c] = W.data[(h * d + r) * e + c];
  });
  return g.record([d, stride], out, Ws, (dOut) => {
    Ws.forEach((W, b) => {
      const t = g.grad(W);
      if (!t) return;
      for (let h = 0; h < H; h++) {
        for (let r = 0; r < d; r++) {
          for (let c = 0; c < e; c++) {
            const v = dOut[r * stride + b * He + h * e + c], i = (h * d + r) * e + c;
            t.data[i] = t.accumulate ? t.data[i] + v : v;
          }
        }
      }
    });
  });
}
