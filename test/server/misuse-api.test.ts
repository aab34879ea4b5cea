/**
 * The web API under misuse: run ids outside the safe alphabet are 400s, oversized or nonsensical runs are 400s naming
 * the key (never 500s, never a child process), run_dir is relative to the data dir, and /favicon.ico is served.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { openStore } from "../../src/runs/store.js";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { lastJson, runCli } from "../helpers/cli.js";
import { request } from "./http-client.js";

let dir: string;
let data: string;
let server: RunningServer;
let runId: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "grokscope-misuse-api-"));
  data = join(dir, "store");
  const r = runCli(["train", "gromov", "--steps", "10", "--set", "model.width=16", "--quiet", "--data-dir", data]);
  assert.equal(r.code, 0, r.stderr);
  runId = String(lastJson(r.stdout).run_id);
  server = await startServer({ dataDir: data, port: 0, webRoot: join(dir, "no-web") });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => request(server.port, "GET", path);
const post = (path: string, body: unknown) => request(server.port, "POST", path, { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("misuse API: ids outside [A-Za-z0-9._-] are 400; a run's run_dir is relative to the data dir", async () => {
  for (const bad of ["a%3Ab", "..", "a%2F..%2Fb", "%E2%9C%93", "x%20y"]) {
    const r = await get(`/api/runs/${bad}`);
    assert.ok(r.status === 400 || r.status === 403, `${bad}: got ${r.status}`);
    assert.match(r.json().error, /invalid run id|malformed|traversal/);
  }
  const detail = (await get(`/api/runs/${runId}`)).json();
  assert.equal(detail.run.run_dir, runId);
});

test("misuse API: a running row whose trainer is dead is shown killed and stale", async () => {
  const store = await openStore(data);
  try {
    await store.updateRun(runId, { status: "running" });
  } finally {
    await store.close();
  }
  const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
  writeFileSync(join(data, runId, "train.lock"), JSON.stringify({ host: hostname(), pid: dead, heartbeat: Date.now(), run_id: runId }));
  const run = (await get(`/api/runs/${runId}`)).json().run;
  assert.equal(run.status, "killed");
  assert.equal(run.stale, true);
});

test("misuse API: oversized runs and steps are 400 naming the key, and nothing is launched", async () => {
  const before = readdirSync(data).sort();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ "model.width": 1e15 }, /model\.width/],
    [{ "model.width": 200000 }, /model\.width=200000.*GiB bound/],
    [{ steps: 2e9 }, /^steps: .*above the bound/],
    [{ steps: 20_000_000 }, /steps: 20000000 is above the web lab's bound/],
    [{ "schedule.foo": 1 }, /schedule\.foo/],
    [{ preset: "../escape" }, /preset: must be letters/],
  ];
  for (const [set, pattern] of cases) {
    const r = await post("/api/runs", { preset: "gromov", set });
    assert.equal(r.status, 400, `${JSON.stringify(set)}: ${r.text}`);
    assert.match(r.json().error, pattern);
  }
  const sweep = await post("/api/sweeps", { preset: "varma-dcrit", workers: 1000 });
  assert.equal(sweep.status, 400, sweep.text);
  assert.match(sweep.json().error, /workers/);
  assert.deepEqual(readdirSync(data).sort(), before);
});

test("misuse API: /favicon.ico is an icon, not a 404", async () => {
  const r = await get("/favicon.ico");
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "image/x-icon");
  assert.deepEqual([...r.body.subarray(0, 4)], [0, 0, 1, 0]);
});
