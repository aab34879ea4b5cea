/**
 * Permutation-group tasks of Power et al. (2022), Appendix A.1.1: x ∘ y over all pairs of elements of S5
 * (120 × 120 = 14,400 pairs). Tokens index the 120 permutations in lexicographic order (see permutations.ts, which
 * also fixes the composition convention (x · y)(i) = x(y(i))). Input [x, y] (vocab 120), label x ∘ y (120 classes).
 */
import { z } from "zod";
import type { TokenDataset } from "./dataset.js";
import { fold, type Key } from "../tensor/rng.js";
import { withLabelNoise } from "./label-noise.js";
import { symmetricGroup, type PermutationGroup } from "./permutations.js";
import { splitTable } from "./split.js";
import { checkBool, checkLabelNoise, checkTrainFraction, taskError } from "./validate.js";
import { defineTask, formulas, labelNoise, notCommutative, trainFraction } from "./task.js";

export interface GroupOp {
  readonly formula: string;
  /** Index of x ∘ y in the group's element order. */
  readonly apply: (g: PermutationGroup, x: number, y: number) => number;
}

const mul = (g: PermutationGroup, a: number, b: number) => g.product[a * g.order + b];

/** None of these is commutative on S5 (it is not abelian), so no S5 task accepts `symmetric`. */
export const S5_OPS = {
  mul: { formula: "x · y", apply: (g, x, y) => mul(g, x, y) },
  conj: { formula: "x · y · x⁻¹", apply: (g, x, y) => mul(g, mul(g, x, y), g.inverse[x]) },
  xyx: { formula: "x · y · x", apply: (g, x, y) => mul(g, mul(g, x, y), x) },
} as const satisfies Record<string, GroupOp>;

export type S5OpName = keyof typeof S5_OPS;
export const S5_OP_NAMES = Object.keys(S5_OPS) as S5OpName[];

export function isS5OpName(name: unknown): name is S5OpName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(S5_OPS, name);
}

export interface S5Options {
  readonly op: S5OpName;
  /** Share of the 14,400 pairs used for training, in (0, 1]. */
  readonly trainFraction: number;
  /** Accepted for a uniform interface, but must be false: no S5 operation is commutative. */
  readonly symmetric?: boolean;
  /** Share of training labels replaced by a different class, in [0, 1). */
  readonly labelNoise?: number;
}

/** S5 with elements in lexicographic order (a 120 × 120 product table; builds in about a millisecond). */
export function s5Group(): PermutationGroup {
  return symmetricGroup(5);
}

/** All pairs as a table: x [order², 2] of tokens [x, y], labels [order²], in row-major (x, y) order. */
export function groupTable(g: PermutationGroup, op: GroupOp): { x: Int32Array; y: Int32Array } {
  const total = g.order * g.order;
  const x = new Int32Array(total * 2);
  const y = new Int32Array(total);
  for (let a = 0, i = 0; a < g.order; a++) {
    for (let b = 0; b < g.order; b++, i++) {
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = op.apply(g, a, b);
    }
  }
  return { x, y };
}

export function s5Dataset(options: S5Options, key: Key): TokenDataset {
  const { op } = options;
  if (!isS5OpName(op)) throw taskError("op", `unknown S5 operation ${JSON.stringify(op)}; known: ${S5_OP_NAMES.join(", ")}`);
  const fraction = checkTrainFraction(options.trainFraction);
  const noise = checkLabelNoise(options.labelNoise ?? 0);
  if (checkBool("symmetric", options.symmetric ?? false)) {
    const formula = S5_OPS[op].formula;
    throw taskError("symmetric", `S5 operation "${op}" (${formula}) is not commutative (S5 is not abelian); use symmetric: false`);
  }
  const g = s5Group();
  const table = groupTable(g, S5_OPS[op]);
  const { train, test } = splitTable(table.x, table.y, 2, fraction, fold(key, "split"));
  return {
    kind: "tokens",
    name: `s5/${op}`,
    vocab: g.order,
    seqLen: 2,
    nClasses: g.order,
    train: withLabelNoise(train, noise, g.order, fold(key, "label_noise")),
    test,
    meta: { group: "S5", order: g.order, op, formula: S5_OPS[op].formula },
  };
}

// ---- registry entry ----
export const S5TaskSchema = z
  .strictObject({
    name: z.literal("s5"),
    op: z.enum(S5_OP_NAMES),
    train_fraction: trainFraction.default(0.5),
    symmetric: z.boolean().default(false),
    label_noise: labelNoise.default(0),
  })
  .refine((c) => !c.symmetric, { path: ["symmetric"], message: `${notCommutative} (S5 is not abelian)` });

export const s5Task = defineTask({
  describe: "x ∘ y over the permutation group S5 (120 elements) for the operations of Power et al. (2022)",
  schema: S5TaskSchema,
  ops: formulas(S5_OPS),
  build: (c, key) => s5Dataset({ op: c.op, trainFraction: c.train_fraction, symmetric: c.symmetric, labelNoise: c.label_noise }, key),
});
