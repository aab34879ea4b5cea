/**
 * A run killed with SIGKILL and resumed ends with bit-identical weights, optimizer state and metrics to an
 * uninterrupted run of the same spec.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { openStore } from "../../src/runs/store.js";
import { BIN, lastJson, runCli } from "../helpers/cli.js";

const ARGS = ["train", "gromov", "--steps", "200", "--set", "model.width=200", "--set", "checkpoint_every=50", "--set", "eval.every=10", "--quiet"];

test("SIGKILL mid-run, then --resume: bit-identical to an uninterrupted run", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-resume-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");

  const a = runCli([...ARGS, "--out", join(dir, "a"), "--data-dir", data]);
  assert.equal(a.code, 0, a.stderr);

  const bDir = join(dir, "b");
  const child = spawn(process.execPath, [BIN, ...ARGS, "--out", bDir, "--data-dir", data], { stdio: "ignore" });
  const first = join(bDir, "checkpoints", "step_00000050.safetensors");
  const killedAt = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(first)) {
        clearInterval(poll);
        child.kill("SIGKILL");
        resolve(Date.now());
      }
    }, 5);
    child.on("exit", () => { clearInterval(poll); reject(new Error("the run finished before it could be killed")); });
  });
  await new Promise((r) => child.once("exit", r));
  assert.ok(killedAt > 0);
  assert.ok(!existsSync(join(bDir, "checkpoints", "step_00000200.safetensors")), "killed before the end");

  const resumed = runCli(["train", "--resume", bDir, "--data-dir", data, "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = lastJson(resumed.stdout);
  assert.equal(summary.steps, 200);

  const ca = await readSafetensors(join(dir, "a", "checkpoints", "step_00000200.safetensors"));
  const cb = await readSafetensors(join(bDir, "checkpoints", "step_00000200.safetensors"));
  assert.deepEqual(Object.keys(cb.tensors).sort(), Object.keys(ca.tensors).sort());
  for (const [name, ta] of Object.entries(ca.tensors)) {
    const tb = cb.tensors[name];
    assert.deepEqual(Buffer.from(tb.data.buffer, tb.data.byteOffset, tb.data.byteLength), Buffer.from(ta.data.buffer, ta.data.byteOffset, ta.data.byteLength), `tensor ${name} differs`);
  }
  const ma = await readMetricsParquet(join(dir, "a", "metrics.parquet"));
  const mb = await readMetricsParquet(join(bDir, "metrics.parquet"));
  assert.deepEqual(mb, ma, "metrics of the resumed run differ");

  const shown = runCli(["show", String(summary.run_id), "--data-dir", data, "--json"]);
  assert.equal(shown.code, 0, shown.stderr);
  const rec = lastJson(shown.stdout);
  assert.equal(rec.status, "done");
  assert.equal(rec.step, 200);

  const store = await openStore(data);
  try {
    const rowsA = await store.getMetrics(String(lastJson(a.stdout).run_id));
    const rowsB = await store.getMetrics(String(summary.run_id));
    assert.equal(rowsB.length, ma.length, "the store holds each metric row of the resumed run exactly once");
    assert.deepEqual(rowsB, rowsA);
  } finally {
    await store.close();
  }
});

test("Ctrl-C between checkpoints: the run stops at once, checkpoints the step it reached, exits 130; --resume is bit-identical", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-sigint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  // no checkpoint is due before the end: without the interrupt checkpoint a resume would start over
  const args = ["train", "gromov", "--steps", "4000", "--set", "task.p=31", "--set", "model.width=128", "--set", "checkpoint_every=4000", "--set", "eval.every=50"];
  const whole = runCli([...args, "--quiet", "--out", join(dir, "whole"), "--data-dir", data]);
  assert.equal(whole.code, 0, whole.stderr);

  const bDir = join(dir, "b");
  const child = spawn(process.execPath, [BIN, ...args, "--out", bDir, "--data-dir", data], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "", sent = false;
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    stderr += s;
    if (!sent && /step +[1-9]\d*\/4000/.test(stderr)) { // once training is under way (progress prints about once a second)
      sent = true;
      child.kill("SIGINT");
    }
  });
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  assert.equal(code, 130, stderr);
  const m = /interrupted at step (\d+); continue with: grokscope train --resume /.exec(stderr);
  assert.ok(m, `the message says where it stopped and how to continue: ${stderr.slice(-300)}`);
  const stoppedAt = Number(m[1]);
  assert.ok(stoppedAt > 0 && stoppedAt < 4000, `stopped at ${stoppedAt}, before the end`);
  assert.ok(existsSync(join(bDir, "checkpoints", `step_${String(stoppedAt).padStart(8, "0")}.safetensors`)), "a checkpoint at the step it stopped");

  const resumed = runCli(["train", "--resume", bDir, "--data-dir", data, "--quiet"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const ca = await readSafetensors(join(dir, "whole", "checkpoints", "step_00004000.safetensors"));
  const cb = await readSafetensors(join(bDir, "checkpoints", "step_00004000.safetensors"));
  for (const [name, ta] of Object.entries(ca.tensors)) {
    assert.deepEqual(Buffer.from(cb.tensors[name].data.buffer), Buffer.from(ta.data.buffer), `tensor ${name} differs`);
  }
  assert.deepEqual(await readMetricsParquet(join(bDir, "metrics.parquet")), await readMetricsParquet(join(dir, "whole", "metrics.parquet")));
});
