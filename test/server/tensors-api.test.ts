/**
 * The run page's weight endpoints over a real gromov run trained by the CLI: the checkpoint's parameters, one tensor
 * (equal to what the safetensors file holds), the Fourier spectrum of U (equal to frequencyPower) and the embedding
 * circle (tied to the spectrum by Parseval: (Σ_a cos(ω_k a) x_a)² + (Σ_a sin(ω_k a) y_a)² = S_k); bad run ids, tensor
 * names, steps and oversized tensors get a 4xx JSON error. And POST /api/sweeps: checked as `grokscope sweep` checks
 * a sweep (400 naming the key), and a tiny sweep started from it is recorded and finishes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { frequencyPower } from "../../src/measures/fourier/fourier-circuit.js";
import { checkpointPath } from "../../src/runs/checkpoint.js";
import { readSafetensors, writeSafetensors } from "../../src/runs/safetensors.js";
import { MAX_TENSOR_ELEMENTS } from "../../src/server/checkpoint-tensors.js";
import { embeddingCircle, planeShare } from "../../src/server/fourier-view.js";
import { unitSpectra } from "../../src/measures/fourier/neuron-spectra.js";
import { interveneRun } from "../../src/runs/intervene.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { lastJson, runCli } from "../helpers/cli.js";
import { request } from "./http-client.js";

let dir: string;
let server: RunningServer;
let run: Record<string, unknown>;
const BIG_STEP = 99_999;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "grokscope-tensors-"));
  const data = join(dir, "store");
  const r = runCli(["train", "gromov", "--steps", "40", "--set", "model.width=64", "--set", "checkpoint_every=20", "--set", "checkpoint_log_points=null", "--quiet", "--data-dir", data]);
  assert.equal(r.code, 0, r.stderr);
  run = lastJson(r.stdout);
  // an extra checkpoint holding one tensor just over the size limit
  const rows = 1024, cols = Math.floor(MAX_TENSOR_ELEMENTS / rows) + 1;
  await writeSafetensors(checkpointPath(String(run.run_dir), BIG_STEP), { U: { dtype: "F32", shape: [rows, cols], data: new Float32Array(rows * cols) } });
  server = await startServer({ dataDir: data, port: 0 });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => request(server.port, "GET", path);
const post = (path: string, body: unknown) => request(server.port, "POST", path, { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const runUrl = () => `/api/runs/${run.run_id}`;

function assertJsonError(r: { status: number; headers: Record<string, unknown>; json(): any }, status: number, pattern: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.json()));
  assert.match(String(r.headers["content-type"]), /^application\/json/);
  assert.match(r.json().error, pattern);
}

async function checkpointU(step: number) {
  return (await readSafetensors(checkpointPath(String(run.run_dir), step))).tensors.U;
}

test("GET tensors lists the checkpoint's parameters (no optimizer state) and the modular source", async () => {
  const r = (await get(`${runUrl()}/tensors?step=20`)).json();
  assert.equal(r.step, 20);
  assert.deepEqual(r.steps, [0, 20, 40, BIG_STEP]);
  assert.deepEqual(r.tensors.map((t: { name: string; shape: number[] }) => [t.name, t.shape]), [["U", [64, 97]], ["V", [64, 97]], ["W", [97, 64]]]);
  assert.deepEqual(r.modular, { p: 97, tensor: "U", input_axis: 1 });
  assert.equal((await get(`${runUrl()}/tensors`)).json().step, BIG_STEP, "no step: the last checkpoint");
});

test("GET tensors/U?step= returns the checkpoint's U, row-major, to 5 significant digits", async () => {
  for (const step of [20, 40]) {
    const r = (await get(`${runUrl()}/tensors/U?step=${step}`)).json();
    const U = await checkpointU(step);
    assert.deepEqual([r.rows, r.cols, r.row_block, r.col_block], [64, 97, 1, 1]);
    assert.equal(r.data.length, 64 * 97);
    let absMax = 0;
    for (let i = 0; i < U.data.length; i++) {
      const v = Number(U.data[i]);
      absMax = Math.max(absMax, Math.abs(v));
      assert.ok(Math.abs(r.data[i] - v) <= 5e-5 * Math.abs(v) + 1e-12, `U[${i}] at step ${step}: ${r.data[i]} vs ${v}`);
    }
    assert.ok(Math.abs(r.abs_max - absMax) <= 1e-6 * absMax);
  }
  const a = (await get(`${runUrl()}/tensors/U?step=20`)).json().data, b = (await get(`${runUrl()}/tensors/U?step=40`)).json().data;
  assert.ok(a.some((v: number, i: number) => v !== b[i]), "the weights moved between the checkpoints");
});

test("GET fourier: the power spectrum of U is frequencyPower's, and the circle's Fourier components give back S_k", async () => {
  const r = (await get(`${runUrl()}/fourier?step=40`)).json();
  const U = await checkpointU(40);
  const S = frequencyPower({ shape: U.shape, data: U.data as Float32Array }, 97, 1);
  assert.equal(r.power.length, 49);
  for (let k = 0; k < 49; k++) assert.ok(Math.abs(r.power[k] - S[k]) <= 1e-4 * S[k] + 1e-9, `S_${k}`);
  const k = r.top_frequency;
  assert.equal(k, r.key_frequencies[0]);
  for (let j = 1; j < 49; j++) assert.ok(r.power[j] <= r.power[k], `frequency ${k} is the strongest`);
  assert.equal(r.circle.length, 97);
  let re = 0, im = 0;
  for (const { residue: a, x, y } of r.circle) {
    re += Math.cos((2 * Math.PI * k * a) / 97) * x;
    im += Math.sin((2 * Math.PI * k * a) / 97) * y;
  }
  assert.ok(Math.abs(re * re + im * im - S[k]) <= 1e-3 * S[k], `Parseval: ${re * re + im * im} vs S_${k} = ${S[k]}`);
  // 40 steps from a random init: the plane holds about 2/p of the embeddings' norm, nowhere near a pure circle's 1
  assert.ok(r.plane_share > 0.5 / 97 && r.plane_share < 8 / 97, `plane share ${r.plane_share}`);
});

test("GET structure: U's neurons by dominant frequency (unitSpectra's), spectra shares summing to 1, V in the same order, U in the Fourier basis keeping its norm", async () => {
  const r = (await get(`${runUrl()}/structure?step=40`)).json();
  const U = await checkpointU(40);
  const s = unitSpectra({ shape: U.shape, data: Array.from(U.data, Number) }, 97, 1);
  assert.deepEqual([r.kind, r.p, r.tensor, r.input_axis, r.unit, r.units, r.J], ["modular", 97, "U", 1, "neuron", 64, 48]);
  assert.deepEqual(r.order, Array.from(s.order));
  assert.deepEqual(r.peak, Array.from(s.peak));
  for (let i = 1; i < r.order.length; i++) assert.ok(r.peak[r.order[i]] >= r.peak[r.order[i - 1]], "order is by dominant frequency");
  for (let u = 0; u < 64; u++) {
    const row = r.share.slice(u * 48, (u + 1) * 48);
    assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 5e-3, `neuron ${u}'s shares sum to 1`);
    assert.equal(row.indexOf(Math.max(...row)) + 1, r.peak[u], "the dominant frequency holds the largest share");
  }
  assert.deepEqual(r.weights.map((w: { name: string; rows: number; cols: number }) => [w.name, w.rows, w.cols]), [["U", 64, 97], ["V", 64, 97]]);
  assert.ok(Math.abs(r.weights[0].data[5 * 97 + 7] - Number(U.data[5 * 97 + 7])) <= 1e-3 * Math.abs(Number(U.data[5 * 97 + 7])) + 1e-9, "weights are [neuron, residue] in stored order");
  // an orthonormal change of basis keeps the squared norm: Σ_rows norm² = ‖U‖²
  const normSq = Array.from(U.data, Number).reduce((a, v) => a + v * v, 0);
  const basisSq = r.fourier_basis.norms.reduce((a: number, n: number) => a + n * n, 0);
  assert.ok(Math.abs(basisSq - normSq) < 2e-3 * normSq, `Parseval: ${basisSq} vs ${normSq}`);
  assert.deepEqual(r.fourier_basis.labels.slice(0, 3), ["const", "cos 1", "sin 1"]);
  assert.equal(r.fourier_basis.labels.length, 97);
  assertJsonError(await get(`${runUrl()}/structure?step=7`), 404, /no checkpoint at step 7/);
  assertJsonError(await get(`${runUrl()}/structure?step=${BIG_STEP}`), 413, /over the limit/);
});

test("POST intervene gives the library's interveneRun result; GET hooks lists the hook points; bad requests are 400 naming the field", async () => {
  const hooks = (await get(`${runUrl()}/hooks?step=40`)).json();
  assert.deepEqual(hooks.hooks, [{ name: "hook_pre", shape: [4704, 64] }, { name: "hook_post", shape: [4704, 64] }]);
  assert.deepEqual([hooks.model, hooks.heads, hooks.p, hooks.step], ["gromov", null, 97, 40]);
  const body = { step: 40, hook: "hook_post", mode: "zero", frequencies: [3, 5], keep: true };
  const r = await post(`${runUrl()}/intervene`, body);
  assert.equal(r.status, 200, JSON.stringify(r.json()));
  const lib = await interveneRun(String(run.run_dir), { dataDir: join(dir, "store"), step: 40, hook: "hook_post", mode: "zero", select: { frequencies: [3, 5], keep: true } });
  assert.deepEqual(r.json(), JSON.parse(JSON.stringify(lib)));
  const patched = (await post(`${runUrl()}/intervene`, { step: 40, hook: "hook_post", mode: "patch", patch_from: 20 })).json();
  assert.deepEqual(patched.patch_from, { run_id: run.run_id, step: 20 });
  for (const [bad, re] of [
    [{ step: 40, hook: "nope", mode: "zero" }, /^hook: model "gromov" has no hook "nope"; its hooks: hook_pre, hook_post$/],
    [{ step: 40, hook: "hook_post", mode: "zero", neurons: [64] }, /^neurons: neuron 64 is out of range/],
    [{ step: 40, hook: "hook_post", mode: "zero", frequencies: [49] }, /^frequencies: 49 is out of range/],
    [{ step: 40, hook: "hook_post", mode: "patch", patch_from: "../other-run" }, /^patch_from: expected a checkpoint step of this run/],
    [{ step: 40, hook: "hook_post", mode: "erase" }, /^mode: expected zero, mean or patch$/],
    [{ step: 40, hook: "hook_post", mode: "zero", neurons: "1,2" }, /^neurons: expected a non-empty list/],
    [{ step: 7, hook: "hook_post", mode: "zero" }, /step/],
    [{ hook: "hook_post", mode: "zero", module: "x.js" }, /^unknown field "module"/],
  ] as const) {
    assertJsonError(await post(`${runUrl()}/intervene`, bad), 400, re);
  }
});

test("embeddingCircle puts a pure frequency-k embedding on the unit circle at angle 2πka/p", () => {
  const p = 11, k = 3, D = 4; // e_a = cos(ω a) u + sin(ω a) v, u = e_0, v = (e_1 + e_2)/√2
  const data = new Float64Array(D * p);
  for (let a = 0; a < p; a++) {
    const w = (2 * Math.PI * k * a) / p;
    data[0 * p + a] = Math.cos(w);
    data[1 * p + a] = Math.sin(w) / Math.SQRT2;
    data[2 * p + a] = Math.sin(w) / Math.SQRT2;
  }
  const m = { rows: D, cols: p, data };
  const points = embeddingCircle(m, p, 1, k);
  for (const { residue: a, x, y } of points) {
    const w = (2 * Math.PI * k * a) / p;
    assert.ok(Math.abs(x - Math.cos(w)) < 1e-12 && Math.abs(y - Math.sin(w)) < 1e-12, `residue ${a}: (${x}, ${y})`);
  }
  assert.ok(Math.abs(planeShare(m, p, 1, points) - 1) < 1e-12, "the plane holds all of a pure frequency-k embedding");
});

test("bad tensor requests: traversal, unknown tensor, unknown step, optimizer state, oversized → 4xx JSON", async () => {
  assertJsonError(await get(`${runUrl()}/tensors/..%2F..%2Fspec.json?step=20`), 400, /invalid tensor name/);
  assertJsonError(await get(`${runUrl()}/tensors/%2e%2e?step=20`), 403, /traversal/);
  assertJsonError(await get(`${runUrl()}/tensors/..?step=20`), 403, /traversal/);
  assertJsonError(await get(`${runUrl()}/tensors/optim%2Fm%2FU?step=20`), 400, /invalid tensor name/);
  assertJsonError(await get(`${runUrl()}/tensors/W_Q?step=20`), 404, /no tensor "W_Q"[\s\S]*U, V, W/);
  assertJsonError(await get(`${runUrl()}/tensors/U?step=7`), 404, /no checkpoint at step 7/);
  assertJsonError(await get(`${runUrl()}/tensors/U?step=..%2F1`), 400, /invalid step/);
  assertJsonError(await get(`${runUrl()}/tensors/U?step=-1`), 400, /invalid step/);
  assertJsonError(await get(`/api/runs/..%2Fstore/tensors`), 400, /invalid run id/);
  assertJsonError(await get(`/api/runs/no-such-run/tensors/U`), 404, /no run "no-such-run"/);
  assertJsonError(await get(`${runUrl()}/tensors/U?step=${BIG_STEP}`), 413, /over the limit/);
  assertJsonError(await get(`${runUrl()}/fourier?step=${BIG_STEP}`), 413, /over the limit/);
  assertJsonError(await get(`${runUrl()}/tensors/U/extra`), 404, /no API route/);
});

test("POST /api/sweeps is checked as `grokscope sweep` checks it: 400 naming the key", async () => {
  const presets = (await get("/api/sweep-presets")).json().presets.map((p: { name: string }) => p.name);
  assert.ok(presets.includes("omnigrok-init"));
  assertJsonError(await post("/api/sweeps", { preset: "no-such-sweep" }), 400, /unknown sweep preset "no-such-sweep"/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", axes: { "model.widthh": [8, 16] } }), 400, /axes\.model\.widthh/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", axes: { "optimizer.weight_decay": [-1] } }), 400, /optimizer\.weight_decay/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", set: { "optimizer.lrr": 1 } }), 400, /lrr/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", name: "../x" }), 400, /name/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", seeds: 0 }), 400, /seeds/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", set: { "init_from.run": "/etc" } }), 400, /init_from/);
  assertJsonError(await post("/api/sweeps", { preset: "omnigrok-init", bogus: 1 }), 400, /unknown field "bogus"/);
});

test("POST /api/sweeps starts `grokscope sweep`; its progress shows in /api/sweeps until it is done", async () => {
  const body = { preset: "omnigrok-init", name: "web-mini", seeds: 1, workers: 1, axes: { "model.init_scale": [1], "optimizer.weight_decay": [0, 1] }, set: { steps: 20, "model.width": 32 } };
  const r = await post("/api/sweeps", body);
  assert.equal(r.status, 202, r.text);
  assert.deepEqual([r.json().name, r.json().total], ["web-mini", 2]);
  assertJsonError(await post("/api/sweeps", body), 409, /exists already/);
  const deadline = Date.now() + 120_000;
  let s;
  do {
    await new Promise((res) => setTimeout(res, 300));
    s = (await get("/api/sweeps")).json().sweeps.find((x: { name: string }) => x.name === "web-mini");
  } while (s && s.done + s.failed < s.total && Date.now() < deadline);
  assert.deepEqual([s.done, s.failed, s.total], [2, 0, 2]);
  const detail = (await get("/api/sweeps/web-mini")).json();
  assert.deepEqual(detail.cells.map((c: { cell: Record<string, number> }) => c.cell["optimizer.weight_decay"]), [0, 1]);
});
