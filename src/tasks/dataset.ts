/**
 * A supervised classification dataset with a fixed train/test split.
 * Token inputs (modular arithmetic, permutation groups): x is Int32Array [n, seqLen] of token ids in [0, vocab).
 * Dense inputs (sparse parity): x is Float32Array [n, dim].
 */
export interface TokenSplit {
  readonly n: number;
  readonly x: Int32Array; // [n, seqLen]
  readonly y: Int32Array; // [n], class ids in [0, nClasses)
  /** Label noise only: sorted row indices whose label in `y` was replaced by a different class. */
  readonly corrupted?: Int32Array; // [nCorrupted]
  /** Label noise only: the true labels before corruption (equal to `y` outside `corrupted`). */
  readonly yClean?: Int32Array; // [n]
}

export interface DenseSplit {
  readonly n: number;
  readonly x: Float32Array; // [n, dim]
  readonly y: Int32Array; // [n]
  /** Label noise only: sorted row indices whose label in `y` was replaced by a different class. */
  readonly corrupted?: Int32Array; // [nCorrupted]
  /** Label noise only: the true labels before corruption (equal to `y` outside `corrupted`). */
  readonly yClean?: Int32Array; // [n]
}

export interface TokenDataset {
  readonly kind: "tokens";
  readonly name: string;
  readonly vocab: number;
  readonly seqLen: number;
  readonly nClasses: number;
  readonly train: TokenSplit;
  readonly test: TokenSplit;
  /**
   * Further labelled splits evaluated beside train and test at every evaluation, keyed by a name that prefixes
   * their metric keys (`<name>_loss`, `<name>_acc`): Wang et al.'s out-of-distribution test ("ood"), a mixture's
   * per-domain splits ("domain/<d>/train", "domain/<d>/test"). Never trained on.
   */
  readonly evalSplits?: Readonly<Record<string, TokenSplit>>;
  /** Task facts measures may use (e.g. { p: 97 } for modular arithmetic). */
  readonly meta: Record<string, number | string | boolean>;
}

export interface DenseDataset {
  readonly kind: "dense";
  readonly name: string;
  readonly dim: number;
  readonly nClasses: number;
  readonly train: DenseSplit;
  readonly test: DenseSplit;
  readonly meta: Record<string, number | string | boolean>;
}

export type Dataset = TokenDataset | DenseDataset;
export type Split = TokenSplit | DenseSplit;
