import { type Graph, type Var } from "../graph.js";
import { checkCols, cols, rows } from "./shape.js";

/**
 * Matrix products over the backend's gemm. A value of shape [..., c] is read as a matrix of rows × c (leading axes
 * flattened), so W_O [H, e, d] multiplies as [H·e, d].
 */
export interface MatmulOptions {
  /** a is stored [k, m] and used transposed. */
  readonly transA?: boolean;
  /** b is stored [n, k] and used transposed. */
  readonly transB?: boolean;
}

/** op(a) op(b): [m, k] × [k, n] → [m, n]. VJP: da = g op(b)ᵀ, db = op(a)ᵀ g (each written transposed back when stored so). */
export function matmul(g: Graph, a: Var, b: Var, opts: MatmulOptions = {}): Var {
  const { transA = false, transB = false } = opts;
  const m = transA ? cols(a) : rows(a), k = transA ? rows(a) : cols(a);
  const kb = transB ? cols(b) : rows(b), n = transB ? rows(b) : cols(b);
  if (k !== kb) throw new Error(`autograd matmul: inner sizes differ ([${a.shape.join(", ")}]${transA ? "ᵀ" : ""} × [${b.shape.join(", ")}]${transB ? "ᵀ" : ""})`);
  const out = g.buffer("matmul", m * n);
  g.backend.gemm(m, n, k, a.data, b.data, out, { transA, transB });
  return g.record([m, n], out, [a, b], (dOut) => {
    const da = g.grad(a);
    if (da) {
      if (!transA) g.backend.gemm(m, k, n, dOut, b.data, da.data, { transB: !transB, accumulate: da.accumulate });
      else g.backend.gemm(k, m, n, b.data, dOut, da.data, { transA: transB, transB: true, accumulate: da.accumulate });
    }
    const db = g.grad(b);
    if (db) {
      if (!transB) g.backend.gemm(k, n, m, a.data, dOut, db.data, { transA: !transA, accumulate: db.accumulate });
      else g.backend.gemm(n, k, m, dOut, a.data, db.data, { transA: true, transB: transA, accumulate: db.accumulate });
    }
  });
}

/**
 * A linear layer in the "x W + b" convention: x [n, d_in], W [d_in, d_out], b [d_out] or null → [n, d_out].
 * One op (not matmul then a bias add) so the backward reads d(out) in place: db = Σ_rows g, dW = xᵀ g, dx = g Wᵀ.
 */
export function linear(g: Graph, x: Var, W: Var, b: Var | null = null): Var {
  const n = rows(x), k = cols(x), m = cols(W);
  if (rows(W) !== k) throw new Error(`autograd linear: x has ${k} columns, W [${W.shape.join(", ")}] has ${rows(W)} rows`);
  if (b) checkCols("linear bias", b, m);
  const out = g.buffer("linear", n * m);
  g.backend.gemm(n, m, k, x.data, W.data, out);
  if (b) g.backend.addRowVector(n, m, out, b.data);
  return g.record([n, m], out, b ? [x, W, b] : [x, W], (dOut) => {
    if (b?.requiresGrad) {
      const db = g.gradOutput(b, "colsum");
      g.backend.columnSums(n, m, dOut, db.data);
      db.commit();
    }
    const dW = g.grad(W);
    if (dW) g.backend.gemm(k, m, n, x.data, dOut, dW.data, { transA: true, accumulate: dW.accumulate });
    const dx = g.grad(x);
    if (dx) g.backend.gemm(n, k, m, dOut, W.data, dx.data, { transB: true, accumulate: dx.accumulate });
  });
}

/** x + b with b [d] added to every row of x [n, d]. VJP: dx = g, db = Σ_rows g. */
export function addBias(g: Graph, x: Var, b: Var): Var {
  const n = rows(x), d = cols(x);
  checkCols("addBias", b, d);
  const out = g.buffer("addBias", n * d);
  out.set(x.data);
  g.backend.addRowVector(n, d, out, b.data);
  return g.record(x.shape, out, [x, b], (dOut) => {
    if (b.requiresGrad) {
      const db = g.gradOutput(b, "colsum");
      g.backend.columnSums(n, d, dOut, db.data);
      db.commit();
    }
    g.passThrough(x, dOut);
  });
}
