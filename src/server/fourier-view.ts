/**
 * What the run page draws from one checkpoint: a weight matrix reduced to at most a screen's worth of cells, and for
 * a modular task the embedding circle of the strongest frequency.
 *
 * Embedding circle (Nanda et al. 2023, "Progress measures for grokking via mechanistic interpretability", §4 and
 * Fig. 3: the embedding is sparse in the Fourier basis, each key frequency using a cos and a sin direction; Liu et al.
 * 2022, "Towards understanding grokking", Fig. 1: residues on a ring). Residue a's embedding e_a ∈ R^D (gromov:
 * column a of U [N, p]; embed_mlp / transformer: row a of W_E [vocab, d]) is projected on the directions
 *   c_k = Σ_a cos(2πka/p) e_a,   s_k = Σ_a sin(2πka/p) e_a,   x_a = ⟨e_a, c_k⟩ / ‖c_k‖,  y_a = ⟨e_a, s_k⟩ / ‖s_k‖.
 * For e_a = cos(2πka/p) u + sin(2πka/p) v with u ⊥ v unit vectors, c_k = (p/2) u and s_k = (p/2) v, so residue a lands
 * at angle 2πka/p on the unit circle; embeddings without that frequency give a shapeless cloud.
 */

/** A row-major [rows, cols] matrix. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * The matrix in blocks of ⌈rows/maxRows⌉ × ⌈cols/maxCols⌉ entries, each block shown by its entry of largest magnitude
 * (sign kept), so a lone strong weight stays visible; the identity when it already fits.
 */
export function downsampleMaxAbs(m: Matrix, maxRows: number, maxCols: number): Matrix & { rowBlock: number; colBlock: number } {
  const rb = Math.max(1, Math.ceil(m.rows / maxRows)), cb = Math.max(1, Math.ceil(m.cols / maxCols));
  if (rb === 1 && cb === 1) return { ...m, rowBlock: 1, colBlock: 1 };
  const rows = Math.ceil(m.rows / rb), cols = Math.ceil(m.cols / cb);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j], o = Math.floor(i / rb) * cols + Math.floor(j / cb);
      if (Math.abs(v) > Math.abs(out[o])) out[o] = v;
    }
  }
  return { rows, cols, data: out, rowBlock: rb, colBlock: cb };
}

/** A 1-D tensor as one row, a 2-D one as is, higher ranks with their leading axes merged into rows. */
export function asMatrix(shape: readonly number[], data: Float64Array): Matrix {
  if (shape.length === 0) return { rows: 1, cols: 1, data };
  const cols = shape[shape.length - 1];
  return { rows: cols === 0 ? 0 : data.length / cols, cols, data };
}

export interface CirclePoint {
  readonly residue: number;
  readonly x: number;
  readonly y: number;
}

/** Residues 0 … p−1 of a first-layer tensor [rows, cols] projected on the cos/sin directions of frequency k. */
export function embeddingCircle(m: Matrix, p: number, inputAxis: 0 | 1, k: number): CirclePoint[] {
  const D = inputAxis === 1 ? m.rows : m.cols;
  const at = (a: number, d: number): number => (inputAxis === 1 ? m.data[d * m.cols + a] : m.data[a * m.cols + d]);
  const c = new Float64Array(D), s = new Float64Array(D);
  for (let a = 0; a < p; a++) {
    const w = (2 * Math.PI * ((k * a) % p)) / p, ca = Math.cos(w), sa = Math.sin(w);
    for (let d = 0; d < D; d++) {
      c[d] += ca * at(a, d);
      s[d] += sa * at(a, d);
    }
  }
  const norm = (v: Float64Array) => Math.sqrt(v.reduce((t, x) => t + x * x, 0)) || 1;
  const nc = norm(c), ns = norm(s);
  const points: CirclePoint[] = [];
  for (let a = 0; a < p; a++) {
    let x = 0, y = 0;
    for (let d = 0; d < D; d++) {
      x += at(a, d) * c[d];
      y += at(a, d) * s[d];
    }
    points.push({ residue: a, x: x / nc, y: y / ns });
  }
  return points;
}

/**
 * Share of the residues' squared embedding norm Σ_a ‖e_a‖² that the circle's plane shows, Σ_a (x_a² + y_a²) / Σ_a ‖e_a‖²:
 * 1 for a pure frequency-k embedding, about 2/p for random weights (whose projection also looks round once D ≥ p,
 * as each e_a is then nearly orthogonal to the others, so the picture alone does not tell the two apart).
 */
export function planeShare(m: Matrix, p: number, inputAxis: 0 | 1, points: readonly CirclePoint[]): number {
  let total = 0;
  for (let a = 0; a < p; a++) {
    const D = inputAxis === 1 ? m.rows : m.cols;
    for (let d = 0; d < D; d++) {
      const v = inputAxis === 1 ? m.data[d * m.cols + a] : m.data[a * m.cols + d];
      total += v * v;
    }
  }
  const plane = points.reduce((s, q) => s + q.x * q.x + q.y * q.y, 0);
  return total > 0 ? plane / total : NaN;
}
