import type { Graph, Var } from "../graph.js";
import { cols, rows } from "./shape.js";

/**
 * Sum of table rows picked by token ids — a one-hot input layer without the one-hot matmul:
 *   out[i, :] = Σ_j table[tokens[i, j] + j · stride, :]      tokens [n, seqLen] (row-major Int32Array), table [R, d]
 * stride 0 shares one table between positions; stride = vocab gives each position its own block of rows
 * (concatenated one-hot codes). VJP: a scatter-add of g into the picked rows.
 */
export function gatherRows(g: Graph, table: Var, tokens: Int32Array, seqLen = 1, stride = 0): Var {
  const d = cols(table), R = rows(table);
  if (seqLen < 1 || tokens.length % seqLen !== 0) throw new Error(`autograd gatherRows: ${tokens.length} token ids do not form rows of ${seqLen}`);
  const n = tokens.length / seqLen;
  for (let i = 0; i < tokens.length; i++) {
    const r = tokens[i] + (i % seqLen) * stride;
    if (!(r >= 0 && r < R)) throw new Error(`autograd gatherRows: token ${tokens[i]} at position ${i % seqLen} picks row ${r} of a table with ${R} rows`);
  }
  const out = g.buffer("gatherRows", n * d);
  g.backend.gatherRowsSum(n, seqLen, d, table.data, tokens, stride, out);
  return g.record([n, d], out, [table], (dOut) => {
    const t = g.grad(table);
    if (!t) return;
    if (!t.accumulate) t.data.fill(0);
    g.backend.scatterRowsAdd(n, seqLen, d, dOut, tokens, stride, t.data);
  });
}

/** Rows of an embedding table: table[ids[i], :] → [n, d]. */
export function embedding(g: Graph, table: Var, ids: Int32Array): Var {
  return gatherRows(g, table, ids, 1, 0);
}

const columns = new WeakMap<Int32Array, Int32Array[]>();

/** Column j of token ids [n, seqLen] as its own array, cached per input (datasets are immutable). */
export function tokenColumn(tokens: Int32Array, seqLen: number, j: number): Int32Array {
  let c = columns.get(tokens);
  if (!c || c.length !== seqLen) {
    const n = tokens.length / seqLen;
    c = Array.from({ length: seqLen }, (_, col) => Int32Array.from({ length: n }, (_, i) => tokens[i * seqLen + col]));
    columns.set(tokens, c);
  }
  return c[j];
}
