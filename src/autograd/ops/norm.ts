import type { Graph, Var } from "../graph.js";
import { layerNormBackward, layerNormForward } from "../../tensor/kernels/layer-norm.js";
import { checkCols, cols, rows } from "./shape.js";

/** LayerNorm over the last axis with gain w and bias b [d] (torch.nn.LayerNorm, eps 1e-5; tensor/kernels/layer-norm.ts). */
export function layerNorm(g: Graph, x: Var, w: Var, b: Var): Var {
  const n = rows(x), d = cols(x);
  checkCols("layerNorm gain", w, d);
  checkCols("layerNorm bias", b, d);
  const out = g.buffer("layerNorm", n * d), xhat = g.buffer("layerNorm.xhat", n * d), rstd = g.buffer("layerNorm.rstd", n);
  layerNormForward(n, d, x.data, w.data, b.data, out, xhat, rstd);
  return g.record(x.shape, out, [x, w, b], (dOut) => {
    const tw = g.grad(w), tb = g.grad(b), tx = g.grad(x);
    const dw = tw && !tw.accumulate ? tw.data : g.scratch(w, "dw", d);
    const db = tb && !tb.accumulate ? tb.data : g.scratch(b, "db", d);
    const dx = tx ? tx.data : g.scratch(x, "dx", n * d);
    layerNormBackward(n, d, dOut, w.data, xhat, rstd, dx, dw, db, tx?.accumulate ?? false);
    if (tw?.accumulate) for (let j = 0; j < d; j++) tw.data[j] += dw[j];
    if (tb?.accumulate) for (let j = 0; j < d; j++) tb.data[j] += db[j];
  });
}
