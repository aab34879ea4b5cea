/**
 * `npm run bench`: ms per training step of the gromov net (R1; its hand-fused path and, for comparison, its autograd
 * definition), the sparse-parity MLP (R3) and the transformer (R7: nanda-small and Nanda et al.'s full size) on the js
 * backend,
 * the wasm backend with 1 and 2 threads, and PyTorch CPU with 1 and 2 threads, side by side in one run; plus the
 * wasm kernels' GFLOP/s on the gromov shapes. The steps are timed in two rounds in alternating order (ours, PyTorch; then
 * PyTorch, ours), each cell keeping its faster round, so a drift of the machine's speed does not favour one side.
 * Prints tables; writes bench/results/latest.json and a dated copy.
 * Then a sweep of 64 sparse-parity models: grokscope batched vs one by one vs a per-model PyTorch loop (bench/sweep.ts),
 * and a slice of PAIR's sparse-parity sweep as `grokscope sweep` runs it, with the full sweep's projected time and the
 * grid's dense compute bound (bench/pair-slice.ts).
 * Then the Explore page's sections trained live in headless Chromium, one at a time: steps per second against the same
 * model in Node on wasm×1, time to grok, frames per second and the longest frame gap (bench/browser.ts).
 * Then the time to a first grok: `grokscope train gromov --steps 100` as a user runs it (bench/first-grok.ts), and a
 * memorizing run's late steps against its early ones (pair-mod67, bench/late-phase.ts).
 * Flags: --skip-js (the js backend takes seconds per gromov step), --skip-torch, --skip-sweep, --skip-pair-slice,
 * --skip-browser, --skip-first-grok, --skip-late-phase.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { Backend } from "../src/tensor/backend.js";
import { createBackend } from "../src/tensor/backend-select.js";
import { benchKernels, type KernelResult } from "./kernels.js";
import { machineInfo } from "./machine.js";
import { gromovAutogradStep, gromovStep, nandaSmallStep, nandaStep, sparseParityStep, type StepFactory } from "./steps.js";
import { timeCalls, type Timing } from "./timing.js";
import { runTorch, torchAvailable, type TorchTiming } from "./torch.js";
import { benchSweep, sweepTable } from "./sweep.js";
import { benchPairSlice, pairSliceTable } from "./pair-slice.js";
import { benchBrowser, browserTable } from "./browser.js";
import { benchFirstGrok } from "./first-grok.js";
import { benchLatePhase } from "./late-phase.js";

/** The steps timed on every backend: name → factory (swap a factory to change what a step is). */
interface StepSpec {
  readonly factory: StepFactory;
  /** The PyTorch script of the same step, its extra arguments, and how many steps it times after its warm-up. */
  readonly torch?: { script: string; args?: string[]; steps: number; warmup: number };
  readonly warmup: number;
  readonly reps: number;
  /** Timed steps on the js backend; 0 skips it there (too slow to be worth the wait). */
  readonly jsReps: number;
}

const STEPS: Record<string, StepSpec> = {
  gromov: { factory: gromovStep, torch: { script: "torch_gromov.py", steps: 60, warmup: 5 }, warmup: 8, reps: 60, jsReps: 3 },
  gromov_autograd: { factory: gromovAutogradStep, warmup: 8, reps: 60, jsReps: 0 },
  sparse_parity: { factory: sparseParityStep, torch: { script: "torch_sparse_parity.py", steps: 400, warmup: 50 }, warmup: 50, reps: 400, jsReps: 100 },
  transformer_small: { factory: nandaSmallStep, torch: { script: "torch_transformer.py", args: ["--config", "nanda-small"], steps: 100, warmup: 10 }, warmup: 10, reps: 100, jsReps: 3 },
  transformer_nanda: { factory: nandaStep, torch: { script: "torch_transformer.py", args: ["--config", "nanda"], steps: 20, warmup: 3 }, warmup: 3, reps: 20, jsReps: 0 },
};

const BACKENDS: Array<{ name: string; make: () => Promise<Backend> }> = [
  { name: "js", make: () => createBackend("js") },
  { name: "wasm×1", make: () => createBackend("wasm", { threads: 1 }) },
  { name: "wasm×2", make: () => createBackend("wasm", { threads: 2 }) },
];

const args = new Set(process.argv.slice(2));
const skipJs = args.has("--skip-js");
const skipTorch = args.has("--skip-torch");
const skipSweep = args.has("--skip-sweep");
const skipPairSlice = args.has("--skip-pair-slice");
const skipBrowser = args.has("--skip-browser");
const skipFirstGrok = args.has("--skip-first-grok");

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const ROUNDS = 2;

/** Keeps `t` in table[name][col] unless the cell already holds a faster timing (a lower best block median). */
function keepFaster<T extends { best_block_median_ms: number }>(table: Record<string, Record<string, T>>, name: string, col: string, t: T): void {
  const cell = (table[name] ??= {});
  const had = cell[col];
  if (!had || t.best_block_median_ms < had.best_block_median_ms) cell[col] = t;
}

/** One round of our steps on every backend (the js backend and the kernel table only in the first). */
async function timeOurs(steps: Record<string, Record<string, Timing>>, kernels: Record<string, KernelResult[]>, first: boolean): Promise<void> {
  for (const b of BACKENDS) {
    const isJs = b.name === "js";
    if (isJs && (skipJs || !first)) continue;
    const backend = await b.make();
    process.stderr.write(`timing ${b.name} …\n`);
    if (first) kernels[b.name] = benchKernels(backend, isJs ? 1 : 30, isJs ? 3000 : 4000);
    for (const [name, s] of Object.entries(STEPS)) {
      if (isJs && s.jsReps === 0) continue;
      const step = await s.factory(backend);
      keepFaster(steps, name, b.name, isJs ? timeCalls(step.step, 1, s.jsReps, 6000) : timeCalls(step.step, s.warmup, s.reps, 8000));
    }
    backend.dispose();
  }
}

/** One round of the PyTorch steps with 1 and 2 threads. */
async function timeTorch(torch: Record<string, Record<string, TorchTiming>>, round: number): Promise<void> {
  for (const [name, s] of Object.entries(STEPS)) {
    if (!s.torch) continue;
    for (const threads of [1, 2]) {
      process.stderr.write(`timing torch×${threads} ${name} (round ${round + 1}/${ROUNDS}) …\n`);
      keepFaster(torch, name, `torch×${threads}`, runTorch(s.torch.script, threads, s.torch.steps, s.torch.warmup, s.torch.args));
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineInfo();
  const loadBefore = loadavg()[0];
  console.log(`grokscope bench — ${machine.cpu}, ${machine.cores} cores @ ${fmt(machine.mhz ?? NaN, 0)} MHz nominal (${machine.measured_mhz} MHz measured), node ${machine.node}`);
  if (loadBefore > 0.5) console.log(`note: 1-minute load average is ${loadBefore.toFixed(2)} — other processes share the CPU, timings will be pessimistic`);

  const steps: Record<string, Record<string, Timing>> = {};
  const kernels: Record<string, KernelResult[]> = {};
  const torch: Record<string, Record<string, TorchTiming>> = {};
  const torchMissing = skipTorch ? "skipped (--skip-torch)" : torchAvailable();
  if (torchMissing) console.log(`\n*** PyTorch column skipped: ${torchMissing} ***`);
  // Two rounds, ours then PyTorch, then PyTorch then ours: a drift of the machine's speed over the minutes the steps
  // take weighs on both sides alike. Each cell keeps its faster round; the js backend and the kernels run once.
  for (let round = 0; round < ROUNDS; round++) {
    const sides = [() => timeOurs(steps, kernels, round === 0), () => (torchMissing ? Promise.resolve() : timeTorch(torch, round))];
    for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
  }

  // ---- step table ----
  const cols = [...BACKENDS.map((b) => b.name), "torch×1", "torch×2"];
  const ratios: Record<string, Record<string, number>> = {};
  const rows = Object.keys(STEPS).map((name) => {
    const ms = (c: string): number | undefined => steps[name]?.[c]?.best_block_median_ms ?? torch[name]?.[c]?.best_block_median_ms;
    const r: Record<string, number> = {};
    const t1 = ms("torch×1"), t2 = ms("torch×2");
    const w1 = ms("wasm×1"), w2 = ms("wasm×2");
    if (t1 && w1) r["wasm×1 / torch×1"] = w1 / t1;
    if (t2 && w2) r["wasm×2 / torch×2"] = w2 / t2;
    if (t1 && t2 && w1 && w2) r["best ours / best torch"] = Math.min(w1, w2) / Math.min(t1, t2);
    ratios[name] = r;
    return [name, ...cols.map((c) => fmt(ms(c))), fmt(r["wasm×2 / torch×2"]), fmt(r["best ours / best torch"])];
  });
  console.log(`\nms per training step (lowest median of 3 consecutive blocks of timed steps, after warm-up; the faster of ${ROUNDS} rounds, ours and PyTorch in alternating order)\n`);
  console.log(table(["step", ...cols, "wasm×2/torch×2", "best/best"], rows));
  console.log("each step is one full-batch training step of the preset exactly as `grokscope train <preset>` takes it (forward, loss, backward, AdamW)");

  // ---- kernel table ----
  const kRows: string[][] = [];
  const names = kernels["wasm×1"]?.map((k) => k.kernel) ?? [];
  const nat = machine.peak_gflops_per_core_native;
  const wasmPeak = machine.peak_gflops_per_core_wasm128;
  for (const [i, kernel] of names.entries()) {
    const cell = (b: string): string => {
      const k = kernels[b]?.[i];
      if (!k) return "—";
      return k.gflops !== undefined ? `${fmt(k.ms, 3)} ms ${fmt(k.gflops, 1)} GF/s` : `${fmt(k.ms, 3)} ms ${fmt(k.gbytes_per_s, 1)} GB/s`;
    };
    const g2 = kernels["wasm×2"]?.[i]?.gflops;
    const g1 = kernels["wasm×1"]?.[i]?.gflops;
    kRows.push([
      kernel,
      kernels["wasm×1"][i].shape,
      cell("js"),
      cell("wasm×1"),
      cell("wasm×2"),
      g2 && nat ? `${fmt((100 * g2) / (2 * nat), 0)}%` : "—",
      g1 ? `${fmt((100 * g1) / wasmPeak, 0)}%` : "—",
    ]);
  }
  console.log(`\nkernels on the gromov and sparse-parity shapes (best block median); peak = 2 cores × 2 FMA × 8 lanes × 2 flops × ${fmt(machine.mhz ?? NaN, 0)} MHz = ${fmt(nat ? 2 * nat : NaN, 0)} GFLOP/s\n`);
  console.log(table(["kernel", "shape", "js", "wasm×1", "wasm×2", "wasm×2 % peak", "wasm×1 % simd128"], kRows));
  console.log(`(simd128 = one core's WebAssembly SIMD bound without FMA: 4 lanes × (2 mul + 2 add) per cycle × ${machine.measured_mhz} MHz measured = ${fmt(wasmPeak, 0)} GFLOP/s)`);

  const sweep = skipSweep ? null : await benchSweep({ skipTorch });
  if (sweep) console.log("\n" + sweepTable(sweep));
  const gemmRates = (kernels["wasm×1"] ?? []).flatMap((k) => (k.kernel.startsWith("gemm") && k.gflops !== undefined ? [k.gflops] : []));
  const pairSlice = skipPairSlice ? null : await benchPairSlice({ gemmGflopsPerCore: gemmRates.length > 0 ? Math.max(...gemmRates) : undefined });
  if (pairSlice) console.log("\n" + pairSliceTable(pairSlice));

  const browser = skipBrowser ? { skipped: "--skip-browser" } : await benchBrowser();
  if ("skipped" in browser) console.log(`\n*** browser bench skipped: ${browser.skipped} ***`);
  else {
    const t = browser.targets;
    console.log(`\nExplore page in ${browser.browser}, each section trained alone in its Web Worker(s) on ${browser.threads} wasm thread(s) (cross-origin isolated: ${browser.cross_origin_isolated}), the page drawing as it goes:\n`);
    console.log(browserTable(browser));
    console.log(`train/s: the worker's training steps; cli/s: the same model's steps in Node on wasm×1; ratio target ≥ ${t.ratio}; fps target ≥ ${t.frames_per_second}, max frame gap ≤ ${t.max_frame_gap_ms} ms (1-minute load ${fmt(browser.load_average_1min.before)} → ${fmt(browser.load_average_1min.after)})`);
  }

  const firstGrok = skipFirstGrok ? null : benchFirstGrok();
  if (firstGrok) {
    console.log(`\ntime to a first grok: ${firstGrok.command} takes ${fmt(firstGrok.median_s)} s wall (median of ${firstGrok.seconds.length}; min ${fmt(firstGrok.min_s)} s; target ≤ 3 s), of which start-up with one evaluation (--steps 0) ${fmt(firstGrok.startup_median_s)} s; grok steps ${firstGrok.grok_steps.join(", ")}`);
  }

  const latePhase = args.has("--skip-late-phase") ? null : await benchLatePhase();
  if (latePhase) {
    console.log(`\na memorizing run's late steps: ${latePhase.preset} on ${latePhase.backend}, ${fmt(latePhase.early_ms_per_step)} ms per step over steps 10–110, ${fmt(latePhase.late_ms_per_step)} ms over 2,200–2,300 (training set memorized): late / early ${fmt(latePhase.late_over_early)}`);
  }

  const report = {
    date: new Date().toISOString(),
    machine,
    load_average_1min: { before: loadBefore, after: loadavg()[0] },
    note: "ms per step: medians over repeated full-batch steps after warm-up (best_block_median_ms: lowest median of 3 consecutive blocks, used for the ratios), the faster of 2 rounds timed ours-then-PyTorch and PyTorch-then-ours; each step is the preset's full-batch training step as `grokscope train` takes it",
    steps_ms: Object.fromEntries(Object.keys(STEPS).map((name) => [name, { ...steps[name], ...torch[name] }])),
    ratios,
    kernels,
    sweep,
    pair_slice: pairSlice,
    browser,
    first_grok: firstGrok,
    late_phase: latePhase,
    torch_skipped: torchMissing,
    seconds: (Date.now() - started) / 1000,
  };
  const dir = fileURLToPath(new URL("../../bench/results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(report, null, 2) + "\n";
  writeFileSync(`${dir}latest.json`, json);
  writeFileSync(`${dir}${report.date.slice(0, 10)}.json`, json);
  console.log(`\nwrote bench/results/latest.json and bench/results/${report.date.slice(0, 10)}.json (${report.seconds.toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
