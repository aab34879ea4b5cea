import type { ModularOpName } from "../../src/tasks/modular-ops.js";

/**
 * Power et al. (2022) Appendix A.1.1 written independently of the implementation: BigInt polynomials, and
 * division as the z that solves y · z ≡ x (mod p) by exhaustive search (no modular inverse involved).
 */
export function modularReference(op: ModularOpName, x: number, y: number, p: number): number {
  const X = BigInt(x);
  const Y = BigInt(y);
  const P = BigInt(p);
  const m = (v: bigint) => Number(((v % P) + P) % P);
  const div = () => {
    for (let z = 0; z < p; z++) if ((y * z) % p === x) return z;
    throw new Error("no quotient");
  };
  switch (op) {
    case "add": return m(X + Y);
    case "sub": return m(X - Y);
    case "div": return div();
    case "div_odd_sub": return y % 2 === 1 ? div() : m(X - Y);
    case "x2_plus_y2": return m(X ** 2n + Y ** 2n);
    case "x2_xy_y2": return m(X ** 2n + X * Y + Y ** 2n);
    case "x2_xy_y2_x": return m(X ** 2n + X * Y + Y ** 2n + X);
    case "x3_xy": return m(X ** 3n + X * Y);
    case "x3_xy2_y": return m(X ** 3n + X * Y ** 2n + Y);
    case "mul": return m(X * Y);
  }
}
