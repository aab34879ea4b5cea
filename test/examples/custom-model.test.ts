/**
 * examples/custom-model: a model module written forward-only with the public API, trained from a spec file by the
 * CLI — it groks, resumes bit-identically, runs in a local sweep, and bad modules are refused with one clear line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { lastJson, runCli } from "../helpers/cli.js";
import { loadModelModule } from "../../src/runs/model-module.js";
import { parseModelConfig } from "../../src/models/registry.js";
import { refuseModelModule } from "../../src/server/user-code.js";
import { readSafetensors } from "../../src/runs/safetensors.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const EXAMPLE = join(ROOT, "examples", "custom-model");
const SPEC = join(EXAMPLE, "spec.yaml");

test("examples/custom-model: the model module groks (test accuracy ≥ 99%), records its measures, and --resume is bit-identical", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-custom-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  const whole = runCli(["train", SPEC, "--data-dir", data, "--out", join(dir, "whole"), "--quiet"]);
  assert.equal(whole.code, 0, whole.stderr);
  const s = lastJson(whole.stdout);
  assert.equal(s.steps, 200);
  assert.ok(Number(s.test_acc) >= 0.99, `test accuracy ${s.test_acc}`);
  assert.ok(typeof s.grok_step === "number" && s.grok_step <= 150, `grok step ${s.grok_step}`);
  const measures = s.final_measures as Record<string, number>;
  assert.ok(measures["weights/norm/E_a"] > 0 && measures["rank/hidden"] > 0, JSON.stringify(measures));
  const spec = JSON.parse(readFileSync(join(dir, "whole", "spec.json"), "utf8"));
  assert.equal(spec.model.module, join(EXAMPLE, "model.mjs"), "the module path is recorded absolute");

  const part = runCli(["train", SPEC, "--steps", "100", "--data-dir", data, "--out", join(dir, "part"), "--quiet"]);
  assert.equal(part.code, 0, part.stderr);
  const resumed = runCli(["train", "--resume", join(dir, "part"), "--steps", "200", "--data-dir", data, "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const r = lastJson(resumed.stdout);
  for (const k of ["train_loss", "test_loss", "test_acc", "grok_step"]) assert.equal(r[k], s[k], `resumed ${k}`);
  const a = await readSafetensors(join(dir, "whole", "checkpoints", "step_00000200.safetensors"));
  const b = await readSafetensors(join(dir, "part", "checkpoints", "step_00000200.safetensors"));
  assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
  for (const [name, ta] of Object.entries(a.tensors)) assert.deepEqual(Buffer.from(b.tensors[name].data.buffer), Buffer.from(ta.data.buffer), `tensor ${name} of the resumed run`);
});

test("examples/custom-model: a local sweep over the module's width trains every cell", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-custom-sweep-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sweep = join(dir, "sweep.yaml");
  writeFileSync(sweep, [
    "name: custom-width",
    "base: gromov",
    `spec: { steps: 40, eval: { every: 20 }, measures: [weights/norm], model: { module: ${relative(dir, join(EXAMPLE, "model.mjs"))} } }`,
    "axes: { model.width: [32, 64] }",
    "seeds: 1",
  ].join("\n"));
  const r = runCli(["sweep", sweep, "--workers", "2", "--data-dir", join(dir, "store")]);
  assert.equal(r.code, 0, r.stderr);
  const list = runCli(["runs", "--data-dir", join(dir, "store"), "--json"]);
  const runs = list.stdout.trim().split("\n").map((l) => JSON.parse(l) as { status: string });
  assert.equal(runs.length, 2);
  assert.ok(runs.every((x) => x.status === "done"), list.stdout);
});

test("model modules: missing, broken or not a definition — one line naming model.module; the web lab refuses them", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-custom-bad-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "empty.mjs"), "export const x = 1;\n");
  writeFileSync(join(dir, "broken.mjs"), "export default {;\n");
  const cases: Array<[string, RegExp]> = [
    [join(dir, "nowhere.mjs"), /^Error: model\.module: cannot read .*nowhere\.mjs/],
    [join(dir, "empty.mjs"), /^Error: model\.module: .*empty\.mjs must default-export a model definition/],
    [join(dir, "broken.mjs"), /^Error: model\.module: cannot load .*broken\.mjs: /],
  ];
  for (const [path, message] of cases) await assert.rejects(loadModelModule(parseModelConfig({ module: path })), message);
  assert.throws(() => parseModelConfig({ module: "model.py" }), /^Error: model\.module: model\.py is not an ES module file/);
  assert.throws(() => parseModelConfig({ module: "./m.mjs", name: "gromov" }), /^Error: model\.name: a model given by "module" takes no name/);
  const cli = runCli(["train", "gromov", "--set", `model={module: ${join(dir, "nowhere.mjs")}}`, "--data-dir", join(dir, "store")]);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr.trim(), /^grokscope: model\.module: cannot read /);
  assert.throws(() => refuseModelModule("model.module", "./x.mjs"), /model\.module: the web lab never loads model modules/);
  assert.throws(() => refuseModelModule("model", { module: "./x.mjs" }), /web lab never loads/);
  assert.doesNotThrow(() => refuseModelModule("model.width", 3));
});
