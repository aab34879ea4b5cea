/**
 * The binary operations x ∘ y over Z_p of Power et al. (2022), "Grokking: generalization beyond overfitting",
 * Appendix A.1.1 (the list of binary-operation tables), plus x · y mod p (not in that list; common in later work).
 * x and y are residues in [0, p); every result is reduced into [0, p).
 * Exactness: with p below 2^12 (the largest the modular task accepts) every intermediate below stays under 2^53.
 */
import { mod, modInverse } from "./number-theory.js";

export interface ModularOp {
  /** Formula as written in the paper. */
  readonly formula: string;
  /** x ∘ y = y ∘ x for all x, y (only then may a task keep only the pairs x ≤ y). */
  readonly commutative: boolean;
  /** Power et al. restrict y to 0 < y < p for the operations that divide by y. */
  readonly yNonzero: boolean;
  /** x ∘ y in [0, p), for 0 ≤ x < p and 0 ≤ y < p (0 < y when yNonzero). */
  readonly apply: (x: number, y: number, p: number) => number;
}

/** x / y mod p = x · y⁻¹ mod p, with y⁻¹ the inverse of y in Z_p (y ≠ 0). */
function divide(x: number, y: number, p: number): number {
  return (x * modInverse(y, p)) % p;
}

export const MODULAR_OPS = {
  add: { formula: "x + y mod p", commutative: true, yNonzero: false, apply: (x, y, p) => (x + y) % p },
  sub: { formula: "x − y mod p", commutative: false, yNonzero: false, apply: (x, y, p) => mod(x - y, p) },
  div: { formula: "x / y mod p (0 < y < p)", commutative: false, yNonzero: true, apply: divide },
  div_odd_sub: {
    formula: "x / y mod p if y is odd, otherwise x − y mod p (0 < y < p)",
    commutative: false,
    yNonzero: true,
    apply: (x, y, p) => (y % 2 === 1 ? divide(x, y, p) : mod(x - y, p)),
  },
  x2_plus_y2: { formula: "x² + y² mod p", commutative: true, yNonzero: false, apply: (x, y, p) => (x * x + y * y) % p },
  x2_xy_y2: {
    formula: "x² + xy + y² mod p",
    commutative: true,
    yNonzero: false,
    apply: (x, y, p) => (x * x + x * y + y * y) % p,
  },
  x2_xy_y2_x: {
    formula: "x² + xy + y² + x mod p",
    commutative: false,
    yNonzero: false,
    apply: (x, y, p) => (x * x + x * y + y * y + x) % p,
  },
  x3_xy: {
    formula: "x³ + xy mod p",
    commutative: false,
    yNonzero: false,
    apply: (x, y, p) => (((x * x) % p) * x + x * y) % p,
  },
  x3_xy2_y: {
    formula: "x³ + xy² + y mod p",
    commutative: false,
    yNonzero: false,
    apply: (x, y, p) => (((x * x) % p) * x + x * ((y * y) % p) + y) % p,
  },
  mul: { formula: "x · y mod p", commutative: true, yNonzero: false, apply: (x, y, p) => (x * y) % p },
} as const satisfies Record<string, ModularOp>;

export type ModularOpName = keyof typeof MODULAR_OPS;
export const MODULAR_OP_NAMES = Object.keys(MODULAR_OPS) as ModularOpName[];

export function isModularOpName(name: unknown): name is ModularOpName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(MODULAR_OPS, name);
}
