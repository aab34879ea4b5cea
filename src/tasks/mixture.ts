/**
 * A mixture of modular-arithmetic domains trained jointly in one model, for asynchronous per-domain grokking: each
 * domain is one operation of Power et al. (2022) over the same Z_p (Appendix A.1.1), with its own train/test split,
 * so each domain's test accuracy is followed on its own (whether domains grok at different steps is what it probes).
 * (Multi-task modular data in one network: e.g. Furuta et al. 2024, "Towards empirical interpretation of internal
 * circuits and properties in grokked transformers on modular polynomials".)
 *
 * Tokens: residues 0..p−1, then one operation token per domain (domain i has token p + i); vocab p + D.
 * Input [op, x, y] (seqLen 3), label x ∘ y mod p (p classes). Each domain's full table (as the modular task builds
 * it; y ≠ 0 for the divisions) is split by its own fraction with a key folded by the operation's name, so a
 * domain's split does not change when other domains are added, removed or reordered.
 * Train = the domains' training rows concatenated in domain order; test = their held-out rows likewise; evalSplits
 * "domain/<op>/train" and "domain/<op>/test" per domain, so metrics such as domain/add/test_acc are recorded.
 * A domain with train_fraction 1 holds nothing out: its per-domain test split is its training split (the convention
 * of splitTable) and it adds no rows to the pooled test split (if no domain holds anything out, test = train).
 */
import { z } from "zod";
import type { TokenDataset, TokenSplit } from "./dataset.js";
import { fold, type Key } from "../tensor/rng.js";
import { MAX_MODULUS, modularTable } from "./modular.js";
import { MODULAR_OPS, MODULAR_OP_NAMES, isModularOpName, type ModularOpName } from "./modular-ops.js";
import { isPrime } from "./number-theory.js";
import { splitTable } from "./split.js";
import { checkInt, checkTrainFraction, fractionCount, taskError } from "./validate.js";
import { defineTask } from "./task.js";

/** Input positions: [op, x, y]. */
export const MIXTURE_SEQ_LEN = 3;
/** Most rows over all domains (the bound the single modular task has: 4093² ≈ 16.7 M). */
export const MAX_MIXTURE_ROWS = MAX_MODULUS * MAX_MODULUS;

/**
 * Two domains of different structure over a CPU-sized table (2 × 47² = 4,418 rows): x + y is solved with Fourier
 * features of Z_p (Nanda et al. 2023), x · y with features of the multiplicative group (Furuta et al. 2024), so the
 * two can be learned at different times. A starting point, not a tuned preset: presets set their own fractions.
 */
export const MIXTURE_DEFAULTS = {
  p: 47,
  train_fraction: 0.5,
  domains: [{ op: "add" }, { op: "mul" }] as readonly MixtureDomainConfig[],
} as const;

// ---- zod schema (strict: unknown keys are errors; paths name the domain, e.g. domains.1.op) ----
const trainFraction = z.number().gt(0, "must be in (0, 1]").lte(1, "must be in (0, 1]");

const MixtureDomainSchema = z.strictObject({
  op: z.enum(MODULAR_OP_NAMES),
  /** This domain's share of its table used for training, in (0, 1]; default: the task's train_fraction. */
  train_fraction: trainFraction.optional(),
});

export const MixtureTaskSchema = z
  .strictObject({
    name: z.literal("mixture"),
    /** The prime modulus shared by every domain. */
    p: z.number().int("must be an integer").min(2).max(MAX_MODULUS).refine(isPrime, "must be a prime").default(MIXTURE_DEFAULTS.p),
    /** Training share for the domains that do not give their own. */
    train_fraction: trainFraction.default(MIXTURE_DEFAULTS.train_fraction),
    /** The operations, each at most once, in token order. */
    domains: z
      .array(MixtureDomainSchema)
      .min(1, "must list at least one domain")
      .default(MIXTURE_DEFAULTS.domains as MixtureDomainConfig[]),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.domains.forEach((d, i) => {
      const first = seen.get(d.op);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["domains", i, "op"], message: `duplicate domain "${d.op}" (also domains[${first}])` });
      } else seen.set(d.op, i);
    });
  });

export type MixtureDomainConfig = Readonly<z.input<typeof MixtureDomainSchema>>;
/** A mixture config as written in a spec (omitted keys take MIXTURE_DEFAULTS). */
export type MixtureTaskConfig = Readonly<Omit<z.input<typeof MixtureTaskSchema>, "domains">> & {
  readonly domains?: readonly MixtureDomainConfig[];
};

export const mixtureTask = defineTask({
  describe: "several modular operations mod p in one model, input [op, x, y], each domain its own split and metrics (domain/<op>/…)",
  schema: MixtureTaskSchema,
  build: (c, key) => mixtureDataset(mixtureOptions(c), key),
});

// ---- builder ----
export interface MixtureDomainOptions {
  readonly op: ModularOpName;
  readonly trainFraction: number;
}

export interface MixtureOptions {
  readonly p: number;
  readonly domains: readonly MixtureDomainOptions[];
}

/** Options from a config, omitted keys taken from MIXTURE_DEFAULTS (a domain's fraction from the task's). */
export function mixtureOptions(config: Omit<MixtureTaskConfig, "name">): MixtureOptions {
  const fraction = config.train_fraction ?? MIXTURE_DEFAULTS.train_fraction;
  const domains = config.domains ?? MIXTURE_DEFAULTS.domains;
  if (!Array.isArray(domains)) throw taskError("domains", "must be a list of { op, train_fraction? }");
  return {
    p: config.p ?? MIXTURE_DEFAULTS.p,
    domains: domains.map((d) => ({ op: d?.op, trainFraction: d?.train_fraction ?? fraction })),
  };
}

/** One domain's full table with the operation token in front: x [N, 3] of [opToken, x, y], labels [N]. */
export function domainTable(op: ModularOpName, p: number, opToken: number): { x: Int32Array; y: Int32Array } {
  const pairs = modularTable(op, p); // x [N, 2]
  const n = pairs.y.length;
  const x = new Int32Array(n * MIXTURE_SEQ_LEN); // [N, 3]
  for (let i = 0; i < n; i++) {
    x[3 * i] = opToken;
    x[3 * i + 1] = pairs.x[2 * i];
    x[3 * i + 2] = pairs.x[2 * i + 1];
  }
  return { x, y: pairs.y };
}

/** Splits stacked in order: x [Σn, seqLen], y [Σn]. */
export function concatSplits(splits: readonly TokenSplit[], seqLen: number): TokenSplit {
  const n = splits.reduce((s, t) => s + t.n, 0);
  const x = new Int32Array(n * seqLen); // [n, seqLen]
  const y = new Int32Array(n); // [n]
  let row = 0;
  for (const s of splits) {
    x.set(s.x, row * seqLen);
    y.set(s.y, row);
    row += s.n;
  }
  return { n, x, y };
}

function checkDomains(options: MixtureOptions, p: number): MixtureDomainOptions[] {
  const domains = options.domains;
  if (!Array.isArray(domains) || domains.length === 0) {
    throw taskError("domains", `must list at least one domain; operations: ${MODULAR_OP_NAMES.join(", ")}`);
  }
  const first = new Map<string, number>();
  return domains.map((d, i) => {
    const op = d?.op;
    if (!isModularOpName(op)) {
      throw taskError(`domains[${i}].op`, `unknown modular operation ${JSON.stringify(op)}; known: ${MODULAR_OP_NAMES.join(", ")}`);
    }
    const seen = first.get(op);
    if (seen !== undefined) throw taskError(`domains[${i}].op`, `duplicate domain "${op}" (also domains[${seen}])`);
    first.set(op, i);
    const key = `domains[${i}].train_fraction`;
    const trainFraction = checkTrainFraction(d.trainFraction, key);
    const total = p * (MODULAR_OPS[op].yNonzero ? p - 1 : p);
    if (fractionCount(trainFraction, total) < 1) {
      throw taskError(key, `${trainFraction} of ${total} examples leaves no training example`);
    }
    return { op, trainFraction };
  });
}

export function mixtureDataset(options: MixtureOptions, key: Key): TokenDataset {
  const p = checkInt("p", options.p, 2, MAX_MODULUS);
  if (!isPrime(p)) throw taskError("p", `must be a prime, got ${p}`);
  const domains = checkDomains(options, p);
  if (domains.length * p * p > MAX_MIXTURE_ROWS) {
    throw taskError("p", `${domains.length} domains of ${p}² rows exceed ${MAX_MIXTURE_ROWS} rows; use a smaller p`);
  }

  const meta: Record<string, number | string | boolean> = { p, domains: domains.map((d) => d.op).join(","), n_domains: domains.length };
  const evalSplits: Record<string, TokenSplit> = {};
  const trains: TokenSplit[] = [];
  const tests: TokenSplit[] = []; // held-out rows only
  domains.forEach(({ op, trainFraction }, i) => {
    const table = domainTable(op, p, p + i);
    const { train, test } = splitTable(table.x, table.y, MIXTURE_SEQ_LEN, trainFraction, fold(key, `split/${op}`));
    trains.push(train);
    if (test !== train) tests.push(test);
    evalSplits[`domain/${op}/train`] = train;
    evalSplits[`domain/${op}/test`] = test;
    Object.assign(meta, {
      [`domain/${op}/token`]: p + i,
      [`domain/${op}/formula`]: MODULAR_OPS[op].formula,
      [`domain/${op}/train_fraction`]: trainFraction,
      [`domain/${op}/n_train`]: train.n,
      [`domain/${op}/n_test`]: test === train ? 0 : test.n,
    });
  });
  const train = concatSplits(trains, MIXTURE_SEQ_LEN);
  meta.total = trains.reduce((s, t) => s + t.n, 0) + tests.reduce((s, t) => s + t.n, 0);
  return {
    kind: "tokens",
    name: `mixture/${domains.map((d) => d.op).join("+")}`,
    vocab: p + domains.length,
    seqLen: MIXTURE_SEQ_LEN,
    nClasses: p,
    train,
    test: tests.length > 0 ? concatSplits(tests, MIXTURE_SEQ_LEN) : train,
    evalSplits,
    meta,
  };
}
