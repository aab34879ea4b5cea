/**
 * The web lab's JSON API over a real store: a tiny gromov run trained by the CLI, a sweep recorded through the sweep
 * store, and the server started in this process on a free port. Checks what the API returns against what the run
 * wrote to disk, and that bad requests (unknown run, path traversal, oversized body, bad knob, missing token) get the
 * right 4xx with a JSON error.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMetricsParquet } from "../../src/runs/metrics-file.js";
import type { RunSummary } from "../../src/runs/run.js";
import { openStore } from "../../src/runs/store.js";
import { SpecError } from "../../src/runs/spec.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { normalizeSweep } from "../../src/sweeps/spec.js";
import { beginSweep, recordSweepResult } from "../../src/sweeps/sweep-store.js";
import { lastJson, runCli } from "../helpers/cli.js";
import { request } from "./http-client.js";

let dir: string;
let data: string;
let server: RunningServer;
let run: Record<string, unknown>;

const SWEEP_AXES = { "optimizer.weight_decay": [0.1, 1] };

/** A sweep of 2 cells × 2 seeds recorded with synthetic histories: wd 0.1 groks at step 200, wd 1 never does. */
async function recordSweep(dataDir: string): Promise<void> {
  const sweep = normalizeSweep({ name: "wd-mini", base: "gromov", spec: { steps: 300 }, axes: SWEEP_AXES, seeds: [1, 2] });
  const store = await openStore(dataDir);
  try {
    const { runs } = await beginSweep(store, sweep, { specJson: { spec: null, axes: sweep.axes, seeds: sweep.seeds, classify: {}, base: sweep.base } });
    for (const ref of runs) {
      const groks = ref.cell["optimizer.weight_decay"] === 0.1;
      const rows = [0, 100, 200, 300].flatMap((step) => [
        { step, key: "train_acc", value: step >= 100 ? 1 : 0 },
        { step, key: "test_acc", value: groks && step >= 200 ? 1 : 0.05 },
        { step, key: "train_loss", value: step >= 100 ? 1e-6 : 2 },
        { step, key: "test_loss", value: groks && step >= 200 ? 1e-6 : 3 },
      ]);
      const summary: RunSummary = { run_id: ref.runId, preset: "gromov", seed: ref.seed, steps: 300, train_acc: 1, test_acc: groks ? 1 : 0.05, train_loss: 1e-6, test_loss: groks ? 1e-6 : 3, memorize_step: 100, grok_step: groks ? 200 : null, grok_delay: groks ? 100 : null, final_measures: {}, backend: "js", seconds: 0, run_dir: join(dataDir, ref.runId) };
      await recordSweepResult(store, "wd-mini", ref, { summary, rows, runDir: summary.run_dir, spec: {}, preset: "gromov" }, {});
    }
  } finally {
    await store.close();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "grokscope-api-"));
  data = join(dir, "store");
  const r = runCli(["train", "gromov", "--steps", "30", "--set", "model.width=64", "--set", "checkpoint_every=10", "--set", "checkpoint_log_points=null", "--quiet", "--data-dir", data]);
  assert.equal(r.code, 0, r.stderr);
  run = lastJson(r.stdout);
  await recordSweep(data);
  server = await startServer({ dataDir: data, port: 0, pollMs: 200 });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => request(server.port, "GET", path, { headers });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(server.port, "POST", path, { headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

function assertJsonError(r: { status: number; headers: Record<string, unknown>; json(): any }, status: number, pattern: RegExp): void {
  assert.equal(r.status, status);
  assert.match(String(r.headers["content-type"]), /^application\/json/);
  assert.match(r.json().error, pattern);
}

test("GET /api/runs lists the CLI's run; filters by preset and status; a bad status is a 400", async () => {
  const all = (await get("/api/runs")).json().runs;
  const mine = all.find((x: { run_id: string }) => x.run_id === run.run_id);
  assert.ok(mine, "the trained run is listed");
  assert.equal(mine.status, "done");
  assert.equal(mine.step, 30);
  assert.equal(mine.summary.test_acc, run.test_acc);
  const byPreset = (await get("/api/runs?preset=gromov&status=done")).json().runs.map((x: { run_id: string }) => x.run_id);
  assert.ok(byPreset.includes(run.run_id));
  assert.deepEqual((await get("/api/runs?preset=sparse-parity")).json().runs, []);
  assertJsonError(await get("/api/runs?status=sleeping"), 400, /status/);
  const tagged = (await get("/api/runs?tag=sweep:wd-mini")).json().runs;
  assert.equal(tagged.length, 4, "the sweep's 4 runs carry its tag");
});

test("GET /api/runs/:id/metrics returns the rows of the run's metrics.parquet, aligned on the step axis", async () => {
  const m = (await get(`/api/runs/${run.run_id}/metrics`)).json();
  const rows = await readMetricsParquet(join(String(run.run_dir), "metrics.parquet"));
  const steps = [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b);
  assert.deepEqual(m.steps, steps);
  assert.deepEqual(Object.keys(m.values).sort(), [...new Set(rows.map((r) => r.key))].sort());
  for (const r of rows) assert.equal(m.values[r.key][steps.indexOf(r.step)], r.value, `${r.key} at step ${r.step}`);
  const only = (await get(`/api/runs/${run.run_id}/metrics?keys=test_acc&since=10`)).json();
  assert.deepEqual(Object.keys(only.values), ["test_acc"]);
  assert.deepEqual(only.steps, steps.filter((s) => s > 10));
  const detail = (await get(`/api/runs/${run.run_id}`)).json();
  assert.equal(detail.run.spec.model.width, 64);
  assert.ok(detail.metric_keys.includes("fourier/ipr"));
});

test("checkpoints: listed with their sizes, and a download is byte-identical to the file", async () => {
  const list = (await get(`/api/runs/${run.run_id}/checkpoints`)).json().checkpoints;
  assert.deepEqual(list.map((c: { step: number }) => c.step), [0, 10, 20, 30]);
  const r = await get(list[3].url);
  assert.equal(r.status, 200);
  assert.match(String(r.headers["content-disposition"]), /attachment; filename=".*-step_30\.safetensors"/);
  assert.ok(r.body.equals(readFileSync(join(String(run.run_dir), "checkpoints", "step_00000030.safetensors"))));
  assertJsonError(await get(`/api/runs/${run.run_id}/checkpoints/7`), 404, /no checkpoint at step 7/);
  assertJsonError(await get(`/api/runs/${run.run_id}/checkpoints/..%2Fspec.json`), 400, /checkpoint step/);
});

test("unknown runs and routes are 404 with a JSON error naming them", async () => {
  assertJsonError(await get("/api/runs/no-such-run"), 404, /no run "no-such-run"/);
  assertJsonError(await get("/api/runs/no-such-run/metrics"), 404, /no-such-run/);
  assertJsonError(await get("/api/sweeps/no-such-sweep"), 404, /no sweep "no-such-sweep"/);
  assertJsonError(await get("/api/nothing"), 404, /no API route/);
  assertJsonError(await request(server.port, "DELETE", `/api/runs/${run.run_id}`), 405, /not allowed/);
});

test("path traversal is refused: encoded separators in ids (400), dot segments anywhere (403)", async () => {
  assertJsonError(await get("/api/runs/..%2F..%2Fetc%2Fpasswd"), 400, /invalid run id/);
  assertJsonError(await get("/api/runs/%2e%2e"), 403, /traversal/);
  assertJsonError(await get("/api/sweeps/a%5C..%5Cb"), 400, /invalid sweep name/);
  assertJsonError(await get("/../../etc/passwd"), 403, /traversal/);
  assertJsonError(await get("/assets/%2e%2e/%2e%2e/package.json"), 403, /traversal/);
  assertJsonError(await get("/assets/..%2f..%2fpackage.json"), 403, /leaves the web root/);
});

test("POST /api/runs: oversized body 413, not JSON 415/400, bad knob 400 naming the key", async () => {
  assertJsonError(await post("/api/runs", JSON.stringify({ preset: "gromov", pad: "x".repeat(70_000) })), 413, /over the limit/);
  assertJsonError(await request(server.port, "POST", "/api/runs", { headers: { "content-type": "text/plain" }, body: "{}" }), 415, /JSON/);
  assertJsonError(await post("/api/runs", "{not json"), 400, /not valid JSON/);
  assertJsonError(await post("/api/runs", { preset: "no-such-preset" }), 400, /unknown preset "no-such-preset"/);
  assertJsonError(await post("/api/runs", { preset: "gromov", set: { "optimizer.weight_decay": -1 } }), 400, /optimizer\.weight_decay/);
  assertJsonError(await post("/api/runs", { preset: "gromov", set: { "model.depthh": 2 } }), 400, /depthh/);
  assertJsonError(await post("/api/runs", { preset: "gromov", set: { "init_from.run": "/etc" } }), 400, /init_from/);
  assertJsonError(await post("/api/runs", { preset: "gromov", set: { "__proto__.x": 1 } }), 400, /__proto__/);
});

test("POST /api/runs starts `grokscope train` with the knobs; the run is recorded and finishes", async () => {
  const r = await post("/api/runs", { preset: "gromov", set: { steps: 20, "model.width": 32, checkpoint_every: 10 } });
  assert.equal(r.status, 202, r.text);
  const { run_id } = r.json();
  const deadline = Date.now() + 120_000;
  let detail;
  do {
    await new Promise((res) => setTimeout(res, 300));
    detail = (await get(`/api/runs/${run_id}`)).json();
  } while (detail.run?.status === "running" && Date.now() < deadline);
  assert.equal(detail.run.status, "done");
  assert.equal(detail.run.steps, 20);
  assert.equal(detail.run.spec.model.width, 32);
});

test("GET /api/events streams the runs on connect", async () => {
  const ac = new AbortController();
  const res = await fetch(`${server.url}api/events`, { signal: ac.signal });
  assert.match(String(res.headers.get("content-type")), /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n\nevent: runs\ndata: ") || !text.endsWith("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
  ac.abort();
  const data = JSON.parse(text.split("event: runs\ndata: ")[1].split("\n")[0]);
  assert.ok(data.some((e: { run_id: string; step: number }) => e.run_id === run.run_id && e.step === 30));
});

test("sweeps: list, cells aggregated over seeds with their runs, and the phase diagram as SVG (one rect per cell)", async () => {
  const list = (await get("/api/sweeps")).json().sweeps;
  assert.deepEqual(list.map((s: { name: string; done: number; total: number }) => [s.name, s.done, s.total]), [["wd-mini", 4, 4]]);
  const s = (await get("/api/sweeps/wd-mini")).json();
  assert.equal(s.cells.length, 2);
  for (const c of s.cells) assert.equal(c.n, 2);
  const byWd = Object.fromEntries(s.cells.map((c: { cell: Record<string, number>; grok: { n_grokked: number } }) => [c.cell["optimizer.weight_decay"], c.grok.n_grokked]));
  assert.deepEqual(byWd, { 0.1: 2, 1: 0 });
  assert.equal(s.runs.length, 4);
  for (const rule of ["pair", "liu"]) {
    const svg = await get(`/api/sweeps/wd-mini/phases.svg?rule=${rule}`);
    assert.equal(svg.status, 200);
    assert.match(String(svg.headers["content-type"]), /^image\/svg\+xml/);
    assert.equal(svg.text.split('aria-roledescription="rect mark"').length - 1, 2, `${rule}: one rect per cell`);
  }
  assertJsonError(await get("/api/sweeps/wd-mini/phases.svg?rule=vibes"), 400, /rule/);
});

test("a loopback server refuses requests for other host names (DNS rebinding)", async () => {
  assertJsonError(await get("/api/runs", { host: "attacker.example:80" }), 403, /loopback/);
});

test("another host needs a token: refused without one; requests need Bearer or ?token=", async () => {
  await assert.rejects(startServer({ dataDir: data, host: "0.0.0.0", port: 0 }), (e: Error) => e instanceof SpecError && /--token/.test(e.message));
  const token = "a-long-enough-test-token";
  const open = await startServer({ dataDir: data, host: "0.0.0.0", port: 0, token });
  try {
    const at = (path: string, headers: Record<string, string> = {}) => request(open.port, "GET", path, { headers });
    assertJsonError(await at("/api/runs"), 401, /token/);
    assertJsonError(await at("/api/runs", { authorization: "Bearer wrong-token-of-some-length" }), 403, /wrong token/);
    assert.equal((await at("/api/runs", { authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await at(`/api/runs?token=${token}`)).status, 200);
  } finally {
    await open.close();
  }
});
