import type { Graph, Var } from "../graph.js";
import { checkCols, cols, rows } from "./shape.js";

/** LayerNorm over the last axis with gain w and bias b [d] (torch.nn.LayerNorm, eps 1e-5; tensor/kernels/layer-norm.ts). */
export function layerNorm(g: Graph, x: Var, w: Var, b: Var): Var {
  const n = rows(x), d = cols(x);
  checkCols("layerNorm gain", w, d);
  checkCols("layerNorm bias", b, d);
  const out = g.buffer("layerNorm", n * d), xhat = g.buffer("layerNorm.xhat", n * d), rstd = g.buffer("layerNorm.rstd", n);
  g.backend.layerNormForward(n, d, x.data, w.data, b.data, out, xhat, rstd);
  return g.record(x.shape, out, [x, w, b], (dOut) => {
    const dw = g.gradOutput(w, "dw"), db = g.gradOutput(b, "db");
    const tx = g.grad(x); // the kernel can add into dx itself
    const dx = tx ? tx.data : g.scratch(x, "dx", n * d);
    g.backend.layerNormBackward(n, d, dOut, w.data, xhat, rstd, dx, dw.data, db.data, tx?.accumulate ?? false);
    dw.commit();
    db.commit();
  });
}
