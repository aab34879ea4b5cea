import type { Var } from "../graph.js";

/** Columns of a value read as a matrix: its last axis (1 for a scalar). */
export function cols(v: Var): number {
  return v.shape.length === 0 ? 1 : v.shape[v.shape.length - 1];
}

/** Rows of a value read as a matrix: the product of every axis but the last. */
export function rows(v: Var): number {
  return cols(v) === 0 ? 0 : v.data.length / cols(v);
}

/** Checks that a vector (a bias, a gain) has `d` values. */
export function checkCols(op: string, v: Var, d: number): void {
  if (v.data.length !== d) throw new Error(`autograd ${op}: expected ${d} values, got shape [${v.shape.join(", ")}]`);
}

export function sameShape(op: string, a: Var, b: Var): void {
  if (a.data.length !== b.data.length || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`autograd ${op}: shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}] differ`);
  }
}
