/** Bad input: one clear line naming the key or file, a non-zero exit, no stack trace, nothing left behind. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";

const CASES: { name: string; args: string[]; mentions: RegExp }[] = [
  { name: "unknown preset", args: ["train", "gromovv"], mentions: /unknown preset "gromovv"/ },
  { name: "unknown --set key", args: ["train", "gromov", "--set", "optimizer.weight_decy=1"], mentions: /optimizer\.weight_decy/ },
  { name: "unknown top-level key", args: ["train", "gromov", "--set", "stepz=3"], mentions: /stepz: unknown key/ },
  { name: "wrong type", args: ["train", "gromov", "--set", "optimizer.lr=fast"], mentions: /optimizer\.lr/ },
  { name: "p not prime", args: ["train", "gromov", "--set", "task.p=96"], mentions: /task\.p: .*prime/ },
  { name: "train fraction above 1", args: ["train", "gromov", "--set", "task.train_fraction=1.5"], mentions: /task\.train_fraction/ },
  { name: "train fraction 0", args: ["train", "gromov", "--set", "task.train_fraction=0"], mentions: /task\.train_fraction/ },
  { name: "negative weight decay", args: ["train", "sparse-parity", "--set", "optimizer.weight_decay=-1"], mentions: /optimizer\.weight_decay/ },
  { name: "bad --steps", args: ["train", "gromov", "--steps", "ten"], mentions: /--steps/ },
  { name: "unreadable resume directory", args: ["train", "--resume", "/nonexistent/run/dir"], mentions: /nonexistent/ },
  { name: "unknown model", args: ["train", "gromov", "--set", "model.name=cnn"], mentions: /model\.name/ },
  { name: "unknown measure", args: ["train", "gromov", "--set", "measures=[nope]"], mentions: /measures/ },
  { name: "unknown construction", args: ["construct", "nanda"], mentions: /unknown construction "nanda"/ },
  { name: "unknown sweep preset", args: ["sweep", "pair-sparse-parityy"], mentions: /unknown sweep preset "pair-sparse-parityy"/ },
  { name: "sweep axis on an unknown key", args: ["sweep", "varma-dcrit", "--axis", "optimizer.weight_dcay=[1]"], mentions: /axes\.optimizer\.weight_dcay = 1: optimizer\.weight_dcay: unknown key/ },
  { name: "sweep axis with no values", args: ["sweep", "varma-dcrit", "--axis", "task.train_fraction=[]"], mentions: /axes\.task\.train_fraction: no values/ },
  { name: "sweep axis value out of range", args: ["sweep", "varma-dcrit", "--axis", "task.train_fraction=[0.3, 1.5]"], mentions: /axes\.task\.train_fraction = 1\.5/ },
  { name: "sweep axis on a key runs do not have", args: ["sweep", "varma-dcrit", "--axis", "classify=[1]"], mentions: /axes\.classify = 1: classify: unknown key/ },
  { name: "sweep with --workers 0", args: ["sweep", "varma-dcrit", "--workers", "0"], mentions: /--workers: must be ≥ 1/ },
  { name: "phases of a missing sweep", args: ["phases", "nope"], mentions: /no sweep "nope"/ },
];

for (const c of CASES) {
  test(`bad input: ${c.name}`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), "grokscope-bad-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, "store");
    const r = runCli([...c.args, "--data-dir", data].filter((a) => !(c.args[0] === "construct" && a === "--data-dir") && !(c.args[0] === "construct" && a === data)));
    assert.notEqual(r.code, 0, "exit code must be non-zero");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
    assert.match(lines[0], c.mentions);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, "no stack trace");
    assert.equal(r.stdout, "");
    assert.ok(!existsSync(data), "no store or run directory left behind");
    assert.deepEqual(readdirSync(dir), []);
  });
}

test("bad input: unreadable spec file and malformed YAML name the file", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-bad-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = runCli(["train", join(dir, "nope.yaml"), "--data-dir", join(dir, "store")]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope\.yaml/);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "steps: [1, 2\n");
  const malformed = runCli(["train", bad, "--data-dir", join(dir, "store")]);
  assert.notEqual(malformed.code, 0);
  assert.match(malformed.stderr, /bad\.yaml/);
  assert.ok(!existsSync(join(dir, "store")));
});

test("bad input: --out into a non-empty directory is refused and the directory is untouched", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-bad-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "occupied");
  runCli(["construct", "five-neuron", "--out", out]);
  const before = readdirSync(out);
  const r = runCli(["train", "gromov", "--out", out, "--data-dir", join(dir, "store")]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /occupied.*not empty/);
  assert.deepEqual(readdirSync(out), before);
  assert.ok(!existsSync(join(dir, "store")));
});
