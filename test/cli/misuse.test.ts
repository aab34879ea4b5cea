/**
 * Trustworthy under misuse: every refused command exits 2 with one line naming the key or file, no stack trace, and
 * leaves the store and the run directories byte for byte as they were. Cases are batched into few processes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore } from "../../src/runs/store.js";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import { readSafetensors } from "../../src/runs/safetensors.js";
import { BIN, lastJson, runCli, runCliBatch, type CliResult } from "../helpers/cli.js";
import { REDIS_SERVER, startRedis } from "../helpers/redis.js";

const TINY = ["--steps", "20", "--set", "model.width=16", "--set", "checkpoint_every=10", "--quiet"];

/** Every file under `dir` with a hash of its bytes: equal snapshots mean nothing was written. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function refused(r: CliResult, mentions: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit code 2 expected, got ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], mentions, what);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, `${what}: no stack trace`);
}

function tmp(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-misuse-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function trainTiny(data: string, extra: string[] = []): Record<string, unknown> {
  const r = runCli(["train", "gromov", ...TINY, ...extra, "--data-dir", data]);
  assert.equal(r.code, 0, r.stderr);
  return lastJson(r.stdout);
}

test("misuse: refused commands exit 2 naming the key or file and change nothing", (t) => {
  const dir = tmp(t);
  const data = join(dir, "store");
  const s = trainTiny(data);
  const id = String(s.run_id);
  const runDir = String(s.run_dir);
  const before = snapshot(data);
  writeFileSync(join(dir, "exists.csv"), "x\n");
  writeFileSync(join(dir, "trailing.json"), '{"preset": "gromov", "steps": 5,}\n');
  writeFileSync(join(dir, "afile"), "not a directory\n");
  const cases: [string[], RegExp][] = [
    // 1. export cannot destroy data or contradict itself
    [["export", id, "--out", join(data, "grokscope.duckdb"), "--data-dir", data], /grokscope\.duckdb.*run store/],
    [["export", id, "--out", join(data, "grokscope.duckdb.wal"), "--data-dir", data], /grokscope\.duckdb\.wal/],
    [["export", id, "--out", join(runDir, "metrics.parquet"), "--data-dir", data], /metrics\.parquet: refusing to write inside the run directory/],
    [["export", id, "--out", join(runDir, "checkpoints", "x.parquet"), "--data-dir", data], /inside the run directory/],
    [["export", id, "--format", "csv", "--out", join(dir, "exists.csv"), "--data-dir", data], /exists\.csv: file exists \(add --force/],
    [["export", id, "--format", "parquet", "--out", join(dir, "m.csv"), "--data-dir", data], /m\.csv: the extension \.csv contradicts --format parquet/],
    [["export", id, "--format", "csv", "--out", join(dir, "m.parquet"), "--data-dir", data], /m\.parquet: the extension \.parquet contradicts --format csv/],
    [["export", id, "--format", "csv", "--out", dir, "--data-dir", data], /is a directory/],
    [["export", id, "--format", "csv", "--out", join(dir, "afile", "m.csv"), "--data-dir", data], /afile/],
    // 2. run ids from a safe alphabet
    [["train", "gromov", "--set", "preset=../escape", "--steps", "1", "--data-dir", data], /^grokscope: preset: must be letters/],
    // 4. a rejected --resume changes nothing; a preset with --resume is refused
    [["train", "--resume", id, "--steps", "5", "--data-dir", data], /--steps 5: the last checkpoint .* is at step 20/],
    [["train", "gromov", "--resume", id, "--data-dir", data], /--resume .*"gromov"/],
    // 8. bad input accepted before
    [["train", join(dir, "trailing.json"), "--data-dir", data], /trailing\.json: not valid JSON/],
    [["prune", id, "--ipr-below", "0x1", "--data-dir", data], /--ipr-below: expected a number.*"0x1"/],
    // 9. upper bounds, checked before anything is allocated or written
    [["train", "gromov", "--set", "model.width=1e15", "--data-dir", data], /^grokscope: model\.width: 1000000000000000 is above the bound/],
    [["train", "gromov", "--set", "model.width=200000", "--data-dir", data], /model\.width=200000.*above the 4\.00 GiB bound/],
    [["train", "gromov", "--set", "task.p=4093", "--data-dir", data], /task\.p=4093.*GiB bound/],
    [["train", "gromov", "--steps", "2000000000", "--data-dir", data], /^grokscope: steps: 2000000000 is above the bound/],
    [["train", "sparse-parity", "--set", "batch_size=100000000", "--data-dir", data], /batch_size: 100000000 is above the bound/],
    [["train", "sparse-parity", "--set", "task.n_train=10000000", "--data-dir", data], /task\.n_train=10000000.*GiB bound/],
    [["sweep", "varma-dcrit", "--axis", "optimizer.lr={from: 1, to: 2, num: 1000000000}", "--data-dir", data], /axes\.optimizer\.lr\.num: must be ≤ 100000/],
    [["sweep", "varma-dcrit", "--workers", "100000", "--data-dir", data], /--workers: 100000 is above the bound 256/],
    [["worker", "--queue", "redis://127.0.0.1:1", "--concurrency", "100000"], /--concurrency: 100000 is above the bound 256/],
    // 10. exit codes and keys in messages
    [["train", "gromov", "--set", "schedule.foo=1", "--data-dir", data], /^grokscope: schedule\.foo/],
    [["presets", "nosuch"], /unknown preset "nosuch"/],
    [["runs", "--data-dir", join(dir, "afile")], /afile/],
    [["train", "gromov", ...TINY, "--out", join(dir, "afile", "run"), "--data-dir", data], /afile/],
    [["sweep", "varma-dcrit", "--queue", "redis://127.0.0.1:1", "--data-dir", data], /redis:\/\/127\.0\.0\.1:1/],
  ];
  const results = runCliBatch(cases.map(([args]) => args));
  results.forEach((r, i) => refused(r, cases[i][1], cases[i][0].join(" ")));
  assert.deepEqual(snapshot(data), before, "store and run directories unchanged");
  assert.deepEqual(readdirSync(dir).sort(), ["afile", "exists.csv", "store", "trailing.json"], "nothing written beside them");
  assert.equal(readFileSync(join(dir, "exists.csv"), "utf8"), "x\n");

  // --force overwrites an existing file outside the store
  const forced = runCliBatch([["export", id, "--format", "csv", "--out", join(dir, "exists.csv"), "--force", "--data-dir", data]])[0];
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(join(dir, "exists.csv"), "utf8"), /^step,key,value/);
});

/** The pid of a process that has exited (so it is dead on this host). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

test("misuse: a run is locked while trained; a dead or stale owner shows as killed and --resume takes it over", async (t) => {
  const dir = tmp(t);
  const data = join(dir, "store");
  const s = trainTiny(data);
  const id = String(s.run_id);
  const runDir = String(s.run_dir);
  const lock = join(runDir, "train.lock");
  const store = await openStore(data);
  try {
    await store.updateRun(id, { status: "running" });
  } finally {
    await store.close();
  }
  // a live owner (this test process): the second trainer is refused, naming the run
  writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, heartbeat: Date.now(), run_id: id }));
  const before = snapshot(data);
  const [busy, listed] = runCliBatch([["train", "--resume", id, "--data-dir", data], ["runs", "--json", "--data-dir", data]]);
  refused(busy, new RegExp(`run "${id}" is being trained by pid ${process.pid}`), "resume of a locked run");
  assert.equal(lastJson(listed.stdout).status, "running");
  assert.deepEqual(snapshot(data), before);

  // a dead owner on this host, then a stale heartbeat from another host: killed (stale), and --resume takes over
  for (const owner of [{ host: hostname(), pid: deadPid(), heartbeat: Date.now() }, { host: "elsewhere", pid: 1, heartbeat: Date.now() - 3_600_000 }]) {
    writeFileSync(lock, JSON.stringify({ ...owner, run_id: id }));
    const [runs, show, resumed, after] = runCliBatch([
      ["runs", "--json", "--data-dir", data],
      ["show", id, "--data-dir", data],
      ["train", "--resume", id, "--quiet", "--data-dir", data],
      ["runs", "--json", "--data-dir", data],
    ]);
    const row = lastJson(runs.stdout);
    assert.equal(row.status, "killed");
    assert.equal(row.stale, true);
    assert.match(show.stdout, /\(killed \(stale/);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(lastJson(after.stdout).status, "done");
    assert.ok(!existsSync(lock), "the lock is released when training ends");
    const again = await openStore(data);
    try {
      await again.updateRun(id, { status: "running" });
    } finally {
      await again.close();
    }
  }
});

test("misuse: divergence keeps the metrics evaluated before it, and divergence on the last update is failed", async (t) => {
  const dir = tmp(t);
  const data = join(dir, "store");
  // no log-spaced checkpoints: the mid-run divergence is caught by the training step, not by a checkpoint's check
  const blowUp = ["--set", "model.width=16", "--set", "optimizer={name: sgd, lr: 1e12}", "--set", "eval.every=1", "--set", "checkpoint_log_points=null", "--quiet", "--data-dir", data];
  const [mid, last, runs] = runCliBatch([
    ["train", "gromov", "--steps", "50", "--out", join(dir, "mid"), ...blowUp],
    ["train", "gromov", "--steps", "2", "--out", join(dir, "last"), ...blowUp],
    ["runs", "--json", "--data-dir", data],
  ]);
  assert.equal(mid.code, 1);
  assert.match(mid.stderr, /training diverged at step 2/);
  assert.equal(last.code, 1);
  assert.match(last.stderr, /training diverged before step 2: tensor "U"/);
  const rows = runs.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(rows.map((r) => r.status), ["failed", "failed"]);
  const midRows = await readMetricsParquet(join(dir, "mid", "metrics.parquet"));
  assert.deepEqual([...new Set(midRows.map((r) => r.step))], [0, 1, 2], "every evaluated step kept, none after");
  const store = await openStore(data);
  try {
    const midId = rows.find((r) => r.run_dir === join(dir, "mid"))!.run_id as string;
    assert.equal((await store.getMetrics(midId)).length, midRows.length, "the store has them too");
  } finally {
    await store.close();
  }
  const [show] = runCliBatch([["show", String(rows.find((r) => r.run_dir === join(dir, "last"))!.run_id), "--data-dir", data]]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /\(failed, step 2\/2/, "the step its last evaluation reached");
});

test("misuse: a checkpoint whose bytes do not match its sha256 is refused, naming the file", async (t) => {
  const dir = tmp(t);
  const data = join(dir, "store");
  const s = trainTiny(data);
  const path = join(String(s.run_dir), "checkpoints", "step_00000020.safetensors");
  const { metadata } = await readSafetensors(path);
  assert.match(metadata.sha256, /^[0-9a-f]{64}$/);
  const bytes = readFileSync(path);
  bytes[bytes.length - 3] ^= 0x40; // a flipped bit in the last tensor
  writeFileSync(path, bytes);
  const before = snapshot(data);
  const [resume, fromIt] = runCliBatch([
    ["train", "--resume", String(s.run_id), "--steps", "30", "--data-dir", data],
    ["train", "gromov", ...TINY, "--set", `init_from.run=${String(s.run_dir)}`, "--data-dir", data],
  ]);
  refused(resume, /checkpoint .*step_00000020\.safetensors is corrupt/, "resume from a corrupt checkpoint");
  refused(fromIt, /init_from\.run: checkpoint .*step_00000020\.safetensors is corrupt/, "init_from a corrupt checkpoint");
  assert.deepEqual(snapshot(data), before);
});

/**
 * The file offset of a DuckDB block that holds metrics rows and nothing of any other table, read from DuckDB's own
 * storage info (a file starts with three 4 KiB headers, then 256 KiB blocks).
 */
async function metricsOnlyBlockOffset(file: string): Promise<number> {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const c = await instance.connect();
  const blocksOf = async (table: string): Promise<number[]> =>
    (await c.runAndReadAll(`SELECT DISTINCT block_id FROM pragma_storage_info('${table}') WHERE block_id >= 0`)).getRows().map((r) => Number(r[0]));
  const others = new Set([...(await blocksOf("runs")), ...(await blocksOf("store_meta"))]);
  const block = (await blocksOf("metrics")).find((b) => !others.has(b));
  c.closeSync();
  instance.closeSync();
  assert.ok(block !== undefined, "a block of metrics rows alone (else the flipped byte would hit the tables read anyway)");
  return 3 * 4096 + block * 262144;
}

test("misuse: a damaged store is one line with the recovery step, for runs, sweeps, show, export and train", async (t) => {
  const dir = tmp(t);
  const data = join(dir, "store");
  const s = trainTiny(data);
  const file = join(data, "grokscope.duckdb");
  const good = readFileSync(file);
  const flipped = Buffer.from(good);
  flipped[(await metricsOnlyBlockOffset(file)) + 100] ^= 0xff; // one byte of the metrics table: its block checksum fails
  for (const damaged of [Buffer.from("garbage ".repeat(4096)), good.subarray(0, Math.floor(good.length / 2)), flipped]) {
    writeFileSync(file, damaged);
    const before = snapshot(data);
    const results = runCliBatch([
      ["runs", "--data-dir", data],
      ["sweeps", "--data-dir", data],
      ["show", String(s.run_id), "--data-dir", data],
      ["export", String(s.run_id), "--out", join(dir, "x.parquet"), "--data-dir", data],
      ["train", "gromov", ...TINY, "--data-dir", data],
    ]);
    for (const r of results) refused(r, /run store .*grokscope\.duckdb is damaged .*move it aside/, "damaged store");
    assert.deepEqual(snapshot(data), before);
  }
});

test("misuse: phases refuses unknown or repeated axes; a sweep with failed runs exits non-zero naming them", (t) => {
  const dir = tmp(t);
  const data = join(dir, "store");
  const sweep = join(dir, "s.yaml");
  writeFileSync(sweep, "name: mis\nbase: gromov\nspec: { steps: 4, model: { width: 16 }, eval: { every: 1 } }\naxes:\n  optimizer.lr: [0.01, 1e12]\n");
  const r = runCli(["sweep", sweep, "--set", "optimizer={name: sgd, lr: 0.01}", "--workers", "1", "--quiet", "--data-dir", data]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /sweep "mis": 1 run failed: optimizer\.lr=1000000000000,seed=1/);
  mkdirSync(join(dir, "charts"));
  const cases: [string[], RegExp][] = [
    [["phases", "mis", "--x", "model.width"], /--x model\.width: not an axis of sweep "mis"/],
    [["phases", "mis", "--facet", "nope", "--out", join(dir, "charts", "p.svg")], /--facet nope: not an axis/],
    [["phases", "mis", "--x", "optimizer.lr", "--y", "optimizer.lr"], /--y optimizer\.lr: axis already given to --x/],
    [["phases", "mis", "--x", "optimizer.lr", "--fix", "optimizer.lr=0.01"], /--fix optimizer\.lr: axis already given to --x/],
    [["phases", "mis", "--fix", "task.p=97"], /--fix task\.p: not an axis/],
  ];
  const results = runCliBatch(cases.map(([args]) => [...args, "--data-dir", data]));
  results.forEach((res, i) => refused(res, cases[i][1], cases[i][0].join(" ")));
  assert.deepEqual(readdirSync(join(dir, "charts")), []);
});

/** Resolves once `text()` matches `pattern` (polled), or rejects after `ms`. */
async function until(text: () => string, pattern: RegExp, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got:\n${text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("misuse: while Redis is down a worker prints one line per outage, no stack traces, then resumes", async (t) => {
  const redis = await startRedis();
  if (redis === null) {
    if (process.env.CI === "true") assert.fail("redis-server is required when CI=true");
    t.skip("redis-server is not installed");
    return;
  }
  const worker = spawn(process.execPath, [BIN, "worker", "--queue", redis.url], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  worker.stderr.on("data", (d) => (stderr += d));
  let again: ReturnType<typeof spawn> | undefined;
  t.after(async () => {
    worker.kill("SIGKILL");
    again?.kill("SIGKILL");
    await redis.stop();
  });
  await until(() => stderr, /waiting for runs/, 30_000);
  await redis.stop();
  await until(() => stderr, /worker: Redis: /, 20_000);
  await new Promise((r) => setTimeout(r, 3000)); // several reconnect attempts fail meanwhile
  again = spawn(REDIS_SERVER, ["--port", String(redis.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmpdir()], { stdio: "ignore" });
  await until(() => stderr, /Redis: reconnected, resuming/, 30_000);
  // BullMQ's blocking connection reconnects a moment after the main one; a Ctrl-C in between waits on it
  await new Promise((r) => setTimeout(r, 2000));
  const exited = new Promise<number | null>((r) => worker.once("exit", (code) => r(code)));
  worker.kill("SIGINT");
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 20_000))]);
  assert.equal(code, 130, "the worker stops on Ctrl-C");
  assert.doesNotMatch(stderr, /Unhandled error event|\bat .*\.js:\d+/, stderr);
  assert.equal(stderr.split("\n").filter((l) => /^worker: Redis: /.test(l) && !/reconnected/.test(l)).length, 1, stderr);
});
