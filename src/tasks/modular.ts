/**
 * Modular arithmetic tasks of Power et al. (2022): the table of x ∘ y over all valid pairs (x, y) ∈ Z_p², split
 * into train and test at random. Inputs are the token pair [x, y] (vocab p), the label is x ∘ y (p classes).
 * With `separate_vocab`, y's token is p + y (vocab 2p), so a model embeds x and y with different rows: the "separate
 * vocabularies" variation of Zhong et al. (2023), "The Clock and the Pizza" (arXiv 2306.17844).
 */
import { z } from "zod";
import type { TokenDataset } from "./dataset.js";
import { fold, type Key } from "../tensor/rng.js";
import { withLabelNoise } from "./label-noise.js";
import { MODULAR_OPS, MODULAR_OP_NAMES, isModularOpName, type ModularOpName } from "./modular-ops.js";
import { isPrime } from "./number-theory.js";
import { splitTable } from "./split.js";
import { checkBool, checkInt, checkLabelNoise, checkTrainFraction, taskError } from "./validate.js";
import { defineTask, formulas, labelNoise, notCommutative, trainFraction } from "./task.js";

/** Largest p accepted: the full table has p² rows, 16.7 M at this bound; also keeps every op exact in doubles. */
export const MAX_MODULUS = 4093;

export interface ModularOptions {
  readonly op: ModularOpName;
  /** The prime modulus (Power et al. use 97). */
  readonly p: number;
  /** Share of the valid pairs used for training, in (0, 1]. */
  readonly trainFraction: number;
  /** Keep only the pairs x ≤ y (commutative operations only): p(p+1)/2 pairs instead of p². */
  readonly symmetric?: boolean;
  /** Share of training labels replaced by a different class, in [0, 1). */
  readonly labelNoise?: number;
  /** Give y its own tokens p … 2p − 1 (vocab 2p); the pairs, split and labels are those of the shared vocabulary. */
  readonly separateVocab?: boolean;
}

const symmetricSeparate =
  "pairs x ≤ y stand for both orders only when x and y share tokens; with separate_vocab the model would never see " +
  "y's token p + y beside an x > y, so use symmetric: false";

/** All valid pairs of the operation as a table: x [N, 2] of tokens [x, y], labels [N], in row-major (x, y) order. */
export function modularTable(
  op: ModularOpName,
  p: number,
  symmetric = false,
): { x: Int32Array; y: Int32Array } {
  const spec = MODULAR_OPS[op];
  const yMin = spec.yNonzero ? 1 : 0;
  const first = (a: number) => (symmetric ? Math.max(a, yMin) : yMin); // smallest valid y for this x
  let total = 0;
  for (let a = 0; a < p; a++) total += p - first(a);
  const x = new Int32Array(total * 2); // [N, 2]
  const y = new Int32Array(total); // [N]
  let i = 0;
  for (let a = 0; a < p; a++) {
    for (let b = first(a); b < p; b++, i++) {
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = spec.apply(a, b, p);
    }
  }
  return { x, y };
}

export function modularDataset(options: ModularOptions, key: Key): TokenDataset {
  const { op } = options;
  if (!isModularOpName(op)) {
    throw taskError("op", `unknown modular operation ${JSON.stringify(op)}; known: ${MODULAR_OP_NAMES.join(", ")}`);
  }
  const p = checkInt("p", options.p, 2, MAX_MODULUS);
  if (!isPrime(p)) throw taskError("p", `must be a prime, got ${p}`);
  const fraction = checkTrainFraction(options.trainFraction);
  const symmetric = checkBool("symmetric", options.symmetric ?? false);
  const noise = checkLabelNoise(options.labelNoise ?? 0);
  const separate = checkBool("separate_vocab", options.separateVocab ?? false);
  if (separate && symmetric) throw taskError("symmetric", symmetricSeparate);
  if (symmetric && !MODULAR_OPS[op].commutative) {
    throw taskError(
      "symmetric",
      `operation "${op}" (${MODULAR_OPS[op].formula}) is not commutative, so x ∘ y and y ∘ x differ and ` +
        "pairs x ≤ y do not cover the task; use symmetric: false",
    );
  }

  const table = modularTable(op, p, symmetric);
  if (separate) for (let i = 1; i < table.x.length; i += 2) table.x[i] += p;
  const { train, test } = splitTable(table.x, table.y, 2, fraction, fold(key, "split"));
  return {
    kind: "tokens",
    name: `modular/${op}`,
    vocab: separate ? 2 * p : p,
    seqLen: 2,
    nClasses: p,
    train: withLabelNoise(train, noise, p, fold(key, "label_noise")),
    test,
    meta: { p, op, formula: MODULAR_OPS[op].formula, symmetric, separate_vocab: separate, total: table.y.length },
  };
}

// ---- registry entry ----
export const ModularTaskSchema = z
  .strictObject({
    name: z.literal("modular"),
    op: z.enum(MODULAR_OP_NAMES),
    // p = 97 and half the table for training, as in Power et al.'s headline runs.
    p: z.number().int("must be an integer").min(2).max(MAX_MODULUS).refine(isPrime, "must be a prime").default(97),
    train_fraction: trainFraction.default(0.5),
    symmetric: z.boolean().default(false),
    label_noise: labelNoise.default(0),
    // No default: specs and sweeps recorded before this option resolve as they did.
    separate_vocab: z.boolean().optional(),
  })
  .refine((c) => !c.symmetric || MODULAR_OPS[c.op].commutative, { path: ["symmetric"], message: notCommutative })
  .refine((c) => !c.symmetric || !c.separate_vocab, { path: ["symmetric"], message: symmetricSeparate });

export const modularTask = defineTask({
  describe: "x ∘ y mod a prime p for the operations of Power et al. (2022); tokens [x, y] (separate_vocab: [x, p + y]), label x ∘ y",
  schema: ModularTaskSchema,
  ops: formulas(MODULAR_OPS),
  build: (c, key) =>
    modularDataset(
      { op: c.op, p: c.p, trainFraction: c.train_fraction, symmetric: c.symmetric, labelNoise: c.label_noise, separateVocab: c.separate_vocab ?? false },
      key,
    ),
});
