import type { Graph, Var } from "../graph.js";
import { cols, rows } from "./shape.js";

/**
 * A classification loss as an op: any function with the training losses' signature (src/train/losses.ts), which
 * returns the mean loss and writes d(mean loss)/d(logits). Output: the scalar loss [1]; VJP: g · dLogits.
 */
export type LossFunction = (logits: Float32Array, labels: Int32Array, nClasses: number, out?: { dLogits?: Float32Array }) => { loss: number };

export function lossOf(g: Graph, logits: Var, labels: Int32Array, fn: LossFunction): Var {
  const C = cols(logits);
  if (rows(logits) !== labels.length) throw new Error(`autograd loss: ${rows(logits)} rows of logits, ${labels.length} labels`);
  const dLogits = g.buffer("loss.dLogits", logits.data.length);
  const out = g.buffer("loss", 1);
  out[0] = fn(logits.data, labels, C, { dLogits }).loss;
  return g.record([1], out, [logits], (dOut) => {
    const t = g.grad(logits);
    if (!t) return;
    const c = dOut[0];
    for (let i = 0; i < dLogits.length; i++) t.data[i] = (t.accumulate ? t.data[i] : 0) + c * dLogits[i];
  });
}
