import { test } from "node:test";
import assert from "node:assert/strict";
import {
  TASKS,
  TASK_NAMES,
  TaskConfigSchema,
  buildTask,
  parseTaskConfig,
  resolveTaskConfig,
  type TaskConfig,
} from "../../src/tasks/registry.js";
import { MODULAR_OP_NAMES } from "../../src/tasks/modular-ops.js";
import { S5_OP_NAMES } from "../../src/tasks/s5.js";
import { keyFromSeed } from "../../src/tensor/rng.js";

test("registry lists every task and operation; defaults build datasets of the documented shape", () => {
  assert.deepEqual(TASK_NAMES, ["modular", "s5", "sparse_parity", "mnist", "composition", "comparison", "mixture"]);
  assert.deepEqual(Object.keys(TASKS.modular.ops!), MODULAR_OP_NAMES);
  assert.deepEqual(Object.keys(TASKS.s5.ops!), S5_OP_NAMES);
  for (const name of TASK_NAMES) assert.ok(TASKS[name].describe.length > 10);
  const m = buildTask({ name: "modular", op: "add" }, keyFromSeed(1));
  assert.equal(m.kind, "tokens");
  assert.equal(m.meta.p, TASKS.modular.defaults.p);
  assert.equal(m.train.n, Math.floor(97 * 97 * TASKS.modular.defaults.train_fraction));
  const s = buildTask({ name: "sparse_parity", bias: true, n_train: 100, n_test: 50, label_noise: 0.1 }, keyFromSeed(1));
  assert.ok(s.kind === "dense" && s.dim === 31 && s.train.n === 100 && s.test.n === 50 && s.train.corrupted!.length === 10);
  const g = buildTask({ name: "s5", op: "xyx", train_fraction: 0.25 }, keyFromSeed(1));
  assert.equal(g.train.n, 3600);
  for (const name of ["composition", "comparison", "mixture"] as const) {
    const d = buildTask({ name }, keyFromSeed(1)); // no op key needed
    assert.ok(d.kind === "tokens" && d.seqLen === 3 && d.train.n > 0 && d.test.n > 0, name);
    assert.ok(Object.keys(d.evalSplits ?? {}).length > 0, `${name} has further evaluation splits`);
  }
});

test("snake_case keys map to the builders: PAIR's symmetric mod-67 split has 911 training pairs", () => {
  const d = buildTask({ name: "modular", op: "add", p: 67, train_fraction: 0.4, symmetric: true }, keyFromSeed(9));
  assert.equal(d.train.n + d.test.n, 2278);
  assert.equal(d.train.n, 911);
  const direct = buildTask({ name: "modular", op: "add", p: 67, train_fraction: 0.4, symmetric: true }, keyFromSeed(9));
  assert.deepEqual(direct.train.x, d.train.x);
});

test("resolveTaskConfig fills every default and keeps given values", () => {
  const r = resolveTaskConfig({ name: "modular", op: "div", p: 113 });
  assert.deepEqual(r, { name: "modular", op: "div", p: 113, train_fraction: 0.5, symmetric: false, label_noise: 0 });
  assert.ok(Object.isFrozen(r));
  const sp = resolveTaskConfig({ name: "sparse_parity", k_relevant: 4 });
  assert.deepEqual(sp, { name: "sparse_parity", n_bits: 30, k_relevant: 4, n_train: 1000, n_test: 5000, bias: false, label_noise: 0 });
});

test("parseTaskConfig and buildTask reject bad input naming the key", () => {
  const k = keyFromSeed(0);
  const cases: [unknown, RegExp][] = [
    [{ name: "modular", op: "add", p: 96 }, /^task\.p: must be a prime/],
    [{ name: "modular", op: "add", train_fraction: 1.5 }, /^task\.train_fraction/],
    [{ name: "modular", op: "sub", symmetric: true }, /^task\.symmetric: .*not commutative/],
    [{ name: "modular", op: "add", prime: 97 }, /^task\.prime: unknown key for task "modular"/],
    [{ name: "modular", op: "pow" }, /^task\.op/],
    [{ name: "modular" }, /^task\.op/],
    [{ name: "s5", op: "mul", symmetric: true }, /^task\.symmetric/],
    [{ name: "modular", op: "add", symmetric: true, separate_vocab: true }, /^task\.symmetric: .*separate_vocab/],
    [{ name: "modular", op: "add", separate_vocab: 1 }, /^task\.separate_vocab/],
    [{ name: "sparse_parity", n_bits: 10, k_relevant: 11 }, /^task\.k_relevant/],
    [{ name: "sparse_parity", label_noise: 1 }, /^task\.label_noise/],
    [{ name: "parity" }, /^task\.name: unknown task "parity"/],
  ];
  for (const [config, pattern] of cases) {
    assert.throws(() => parseTaskConfig(config), (e: Error) => pattern.test(e.message), `parse ${JSON.stringify(config)}`);
    assert.throws(() => buildTask(config as TaskConfig, k), (e: Error) => pattern.test(e.message), `build ${JSON.stringify(config)}`);
  }
  assert.throws(() => parseTaskConfig({ name: "modular", op: "add", p: 96 }, "spec.task"), /^Error: spec\.task\.p/);
  assert.throws(() => parseTaskConfig(null), /^Error: task: must be an object/);
});

test("valid configs pass the schemas unchanged", () => {
  const configs: TaskConfig[] = [
    { name: "modular", op: "x3_xy2_y", p: 59, train_fraction: 0.3, label_noise: 0.1 },
    { name: "modular", op: "mul", symmetric: true },
    { name: "modular", op: "add", p: 67, train_fraction: 0.4, separate_vocab: true },
    { name: "s5", op: "conj", train_fraction: 1 },
    { name: "sparse_parity", n_bits: 40, k_relevant: 6, n_train: 1250, n_test: 100, bias: true },
  ];
  for (const c of configs) {
    assert.deepEqual(parseTaskConfig(c), c);
    assert.ok(TaskConfigSchema.safeParse(c).success);
  }
});

test("each entry is derived from its task's definition: name, keys, defaults and the op check come from the schema", () => {
  assert.deepEqual(TASK_NAMES.filter((n) => TASKS[n].needsOp), ["modular", "s5"]);
  assert.deepEqual(TASKS.modular.keys, ["name", "op", "p", "train_fraction", "symmetric", "label_noise", "separate_vocab"]);
  assert.deepEqual(TASKS.mixture.keys, ["name", "p", "train_fraction", "domains"]);
  const minimal: TaskConfig[] = [
    { name: "modular", op: "add" },
    { name: "s5", op: "mul" },
    { name: "sparse_parity" },
    { name: "composition" },
    { name: "comparison" },
    { name: "mixture" },
    { name: "sparse_parity", n_bits: 12, bias: true },
    { name: "mixture", p: 13, domains: [{ op: "sub", train_fraction: 0.3 }] },
  ];
  for (const c of minimal) {
    const name = c.name;
    assert.equal(TASKS[name].name, name);
    // The schema's defaults are the resolved config: parsing a bare config gives what a run records.
    assert.deepEqual(TASKS[name].schema.parse(c), resolveTaskConfig(c), name);
    assert.deepEqual(TaskConfigSchema.parse(c), resolveTaskConfig(parseTaskConfig(c)), name);
  }
});
