import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MIXTURE_DEFAULTS,
  MixtureTaskSchema,
  mixtureDataset,
  mixtureOptions,
  type MixtureOptions,
} from "../../src/tasks/mixture.js";
import { MODULAR_OP_NAMES, type ModularOpName } from "../../src/tasks/modular-ops.js";
import type { TokenSplit } from "../../src/tasks/dataset.js";
import { keyFromSeed } from "../../src/tensor/rng.js";
import { modularReference as reference } from "../helpers/modular-reference.js";

const rows = (s: TokenSplit) => Array.from({ length: s.n }, (_, i) => [s.x[3 * i], s.x[3 * i + 1], s.x[3 * i + 2], s.y[i]]);
/** (x, y) of row i as one number, ignoring the operation token. */
const pairCode = (s: TokenSplit, i: number, p: number) => s.x[3 * i + 1] * p + s.x[3 * i + 2];
const pairs = (s: TokenSplit, p: number) => Array.from({ length: s.n }, (_, i) => pairCode(s, i, p));

const opts = (p: number, domains: [ModularOpName, number][]): MixtureOptions => ({
  p,
  domains: domains.map(([op, trainFraction]) => ({ op, trainFraction })),
});

test("every row is [p + domain index, x, y] with the label of that domain's operation (all ten ops, p = 13)", () => {
  const p = 13;
  const d = mixtureDataset(opts(p, MODULAR_OP_NAMES.map((op, i) => [op, 0.2 + 0.06 * i])), keyFromSeed(3));
  assert.equal(d.vocab, p + 10);
  assert.equal(d.seqLen, 3);
  assert.equal(d.nClasses, p);
  MODULAR_OP_NAMES.forEach((op, i) => {
    assert.equal(d.meta[`domain/${op}/token`], p + i);
    for (const part of ["train", "test"]) {
      for (const [t, x, y, label] of rows(d.evalSplits![`domain/${op}/${part}`])) {
        assert.equal(t, p + i, `${op} token`);
        assert.ok(x >= 0 && x < p && y >= 0 && y < p);
        assert.equal(label, reference(op, x, y, p), `${op}(${x}, ${y})`);
      }
    }
  });
});

test("each domain's train and test are disjoint, cover its table, and hold floor(f · N) training rows", () => {
  const p = 23;
  const domains: [ModularOpName, number][] = [["add", 0.3], ["div", 0.55], ["x2_plus_y2", 0.8]];
  const d = mixtureDataset(opts(p, domains), keyFromSeed(11));
  for (const [op, f] of domains) {
    const total = op === "div" ? p * (p - 1) : p * p; // division excludes y = 0
    const tr = pairs(d.evalSplits![`domain/${op}/train`], p);
    const te = pairs(d.evalSplits![`domain/${op}/test`], p);
    assert.equal(tr.length, Math.floor(f * total), op);
    assert.equal(tr.length + te.length, total, op);
    const all = new Set([...tr, ...te]);
    assert.equal(all.size, total, `${op}: no pair twice, none missing`);
    for (let x = 0; x < p; x++) for (let y = op === "div" ? 1 : 0; y < p; y++) assert.ok(all.has(x * p + y));
    assert.equal(d.meta[`domain/${op}/n_train`], tr.length);
    assert.equal(d.meta[`domain/${op}/n_test`], te.length);
  }
  assert.equal(d.meta.total, 2 * p * p + p * (p - 1));
  assert.equal(d.meta.domains, "add,div,x2_plus_y2");
});

test("pooled train and test are the domains' splits concatenated in domain order", () => {
  const p = 17;
  const d = mixtureDataset(opts(p, [["mul", 0.4], ["sub", 0.6], ["x3_xy", 0.5]]), keyFromSeed(5));
  const ops = ["mul", "sub", "x3_xy"];
  for (const part of ["train", "test"] as const) {
    const expected = ops.flatMap((op) => rows(d.evalSplits![`domain/${op}/${part}`]));
    assert.deepEqual(rows(d[part]), expected, part);
    assert.equal(d[part].n, expected.length);
  }
  assert.equal(d.train.n + d.test.n, 3 * p * p);
  assert.deepEqual(Object.keys(d.evalSplits!), ops.flatMap((op) => [`domain/${op}/train`, `domain/${op}/test`]));
});

test("a fully trained domain holds nothing out: its test split is its train split and it is left out of the pooled test", () => {
  const p = 11;
  const d = mixtureDataset(opts(p, [["add", 1], ["mul", 0.5]]), keyFromSeed(2));
  assert.equal(d.evalSplits!["domain/add/test"], d.evalSplits!["domain/add/train"]);
  assert.equal(d.meta["domain/add/n_test"], 0);
  assert.deepEqual(rows(d.test), rows(d.evalSplits!["domain/mul/test"]));
  assert.equal(d.train.n, p * p + Math.floor(0.5 * p * p));
  const all = mixtureDataset(opts(p, [["add", 1], ["mul", 1]]), keyFromSeed(2));
  assert.equal(all.test, all.train);
});

test("splits are a function of the key and the operation only, not of the other domains or their order", () => {
  const p = 19;
  const a = mixtureDataset(opts(p, [["add", 0.5], ["mul", 0.3]]), keyFromSeed(7));
  const b = mixtureDataset(opts(p, [["add", 0.5], ["mul", 0.3]]), keyFromSeed(7));
  assert.deepEqual(a, b);
  const swapped = mixtureDataset(opts(p, [["x2_xy_y2", 0.7], ["mul", 0.3], ["add", 0.5]]), keyFromSeed(7));
  for (const op of ["add", "mul"]) {
    assert.deepEqual(pairs(swapped.evalSplits![`domain/${op}/train`], p), pairs(a.evalSplits![`domain/${op}/train`], p), op);
  }
  const other = mixtureDataset(opts(p, [["add", 0.5], ["mul", 0.3]]), keyFromSeed(8));
  assert.notDeepEqual(pairs(other.evalSplits!["domain/add/train"], p), pairs(a.evalSplits!["domain/add/train"], p));
  // Two domains with the same fraction get different splits (each key is folded by its operation).
  const twin = mixtureDataset(opts(p, [["add", 0.5], ["sub", 0.5]]), keyFromSeed(7));
  assert.notDeepEqual(pairs(twin.evalSplits!["domain/add/train"], p), pairs(twin.evalSplits!["domain/sub/train"], p));
});

test("mixtureOptions fills defaults; a domain's own train_fraction overrides the task's", () => {
  const o = mixtureOptions({ p: 13, train_fraction: 0.3, domains: [{ op: "add" }, { op: "mul", train_fraction: 0.7 }] });
  assert.deepEqual(o, { p: 13, domains: [{ op: "add", trainFraction: 0.3 }, { op: "mul", trainFraction: 0.7 }] });
  const d = mixtureDataset(mixtureOptions({}), keyFromSeed(0));
  const p = MIXTURE_DEFAULTS.p;
  assert.equal(d.meta.p, p);
  assert.equal(d.vocab, p + MIXTURE_DEFAULTS.domains.length);
  assert.equal(d.train.n, MIXTURE_DEFAULTS.domains.length * Math.floor(MIXTURE_DEFAULTS.train_fraction * p * p));
  assert.ok(MixtureTaskSchema.safeParse({ name: "mixture", ...MIXTURE_DEFAULTS }).success);
});

test("the builder rejects bad options naming the key", () => {
  const k = keyFromSeed(0);
  const cases: [MixtureOptions, RegExp][] = [
    [opts(31, [["add", 0.5], ["pow" as ModularOpName, 0.5]]), /^task\.domains\[1\]\.op: unknown modular operation "pow"/],
    [opts(31, [["add", 0.5], ["mul", 0.5], ["add", 0.3]]), /^task\.domains\[2\]\.op: duplicate domain "add" \(also domains\[0\]\)/],
    [opts(31, [["add", 0]]), /^task\.domains\[0\]\.train_fraction: must be a number in \(0, 1\]/],
    [opts(31, [["add", 0.5], ["mul", 1.2]]), /^task\.domains\[1\]\.train_fraction/],
    [opts(2, [["div", 0.4]]), /^task\.domains\[0\]\.train_fraction: 0.4 of 2 examples leaves no training example/],
    [opts(31, []), /^task\.domains: must list at least one domain/],
    [opts(33, [["add", 0.5]]), /^task\.p: must be a prime, got 33/],
    [opts(1, [["add", 0.5]]), /^task\.p: must be in \[2, /],
    [opts(4093, [["add", 0.5], ["mul", 0.5]]), /^task\.p: 2 domains of 4093² rows exceed/],
  ];
  for (const [o, re] of cases) assert.throws(() => mixtureDataset(o, k), { message: re });
});

test("MixtureTaskSchema rejects bad configs at the offending path", () => {
  const issue = (c: unknown) => {
    const r = MixtureTaskSchema.safeParse(c);
    assert.ok(!r.success, JSON.stringify(c));
    return { path: r.error.issues[0].path.join("."), message: r.error.issues[0].message };
  };
  assert.deepEqual(issue({ name: "mixture", domains: [{ op: "add" }, { op: "add" }] }), {
    path: "domains.1.op",
    message: 'duplicate domain "add" (also domains[0])',
  });
  assert.equal(issue({ name: "mixture", domains: [{ op: "add" }, { op: "pow" }] }).path, "domains.1.op");
  assert.equal(issue({ name: "mixture", domains: [{ op: "add", train_fraction: 0 }] }).path, "domains.0.train_fraction");
  assert.equal(issue({ name: "mixture", domains: [{ op: "add", weight: 2 }] }).path, "domains.0");
  assert.equal(issue({ name: "mixture", domains: [] }).message, "must list at least one domain");
  assert.equal(issue({ name: "mixture", p: 91 }).message, "must be a prime");
  assert.equal(issue({ name: "mixture", op: "add" }).path, "");
  assert.equal(issue({ name: "modular", op: "add" }).path, "name");
});
