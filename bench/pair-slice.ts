/**
 * A slice of PAIR's sparse-parity sweep (R9, `grokscope sweep pair-sparse-parity`: 1,125 runs × 20k steps): all 125
 * grid cells, one seed, 2,000 steps — `grokscope sweep pair-sparse-parity --seeds 1 --set steps=2000` as a user runs
 * it (a fresh Node process, batched training on every core, each run's files and the sweep's store), timed wall clock
 * and CPU. Reported with the full sweep it projects to (× 10 steps × 9 seeds: the slice's evaluations and set-up
 * scale by less, so the projection is a little high) and with the grid's dense compute bound: its floating-point
 * operations (counted below) at the measured one-thread wasm gemm rate on every core (like every rate here, lower
 * while other processes share the cores).
 * Run alone: node dist/bench/pair-slice.js [--reps R].
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunConfig } from "../src/runs/spec.js";
import { sweepPresetSpec } from "../src/sweeps/presets.js";
import { normalizeSweep } from "../src/sweeps/spec.js";
import { createBackend } from "../src/tensor/backend-select.js";
import { evalSteps } from "../src/train/cadence.js";
import { timeCalls } from "./timing.js";

const SELF = fileURLToPath(import.meta.url);
const SWEEP = "pair-sparse-parity";
const SLICE = { seeds: 1, steps: 2000 };

export interface PairSliceResult {
  readonly command: string;
  readonly runs: number;
  readonly steps: number;
  /** Fastest wall-clock time of the slice over the reps, every rep's, and the CPU seconds (all threads) of each. */
  readonly seconds: number;
  readonly all_seconds: number[];
  readonly cpu_seconds: number[];
  readonly full: { readonly runs: number; readonly steps: number; readonly scale: number; readonly projected_seconds: number };
  readonly bound: {
    readonly gflop_slice: number;
    readonly gflop_full: number;
    /** One thread's wasm gemm rate, measured here, and the cores it is counted on. */
    readonly gemm_gflops_per_core: number;
    readonly cores: number;
    readonly slice_seconds: number;
    readonly full_seconds: number;
  };
  /** Dense FLOPs of the slice over its wall-clock time: above the gemm rate × cores, the sparse kernels skip work. */
  readonly effective_gflops: number;
  readonly load_average_1min: { readonly before: number; readonly after: number };
}

/**
 * Dense floating-point operations of one training step and of one evaluation, for an MLP d → H → C (ReLU) on n rows
 * (2 per multiply-add; the elementwise work — bias, ReLU, softmax, the optimizer's ~10 per parameter — is left out,
 * under 2% of these at the grid's shapes):
 *   forward   x W0: 2·n·d·H, then the logits h W_out: 2·n·H·C;
 *   backward  dW_out = hᵀ dZ: 2·n·H·C, dH = dZ W_outᵀ: 2·n·H·C, dW0 = xᵀ dPre: 2·n·d·H (no dX: x is data).
 * A step is 4·n·d·H + 6·n·H·C; an evaluation (forward only, on n_test rows, and once more on the training rows at the
 * end) 2·n·H·(d + C), with C the output columns (2, or 1 with `single_logit`, the preset's). At d = 31 (30 bits and the
 * bias input) a step is 136·n·H with C = 2, 130·n·H with C = 1.
 */
export function denseFlops(config: RunConfig): number {
  const t = config.task, m = config.model;
  if (t.name !== "sparse_parity" || m.name !== "mlp" || m.depth !== 1) throw new Error("bench pair-slice: counts FLOPs for sparse parity's one-hidden-layer MLP");
  const d = t.n_bits + (t.bias ? 1 : 0), H = m.width, C = m.single_logit ? 1 : 2;
  const step = (n: number) => 4 * n * d * H + 6 * n * H * C;
  const forward = (n: number) => 2 * n * H * (d + C);
  return config.steps * step(t.n_train) + evalSteps(config.eval, config.steps).length * forward(t.n_test) + forward(t.n_train);
}

function gridFlops(configs: readonly RunConfig[]): number {
  return configs.reduce((s, c) => s + denseFlops(c), 0);
}

/** One thread's wasm gemm rate on a square-ish product, GFLOP/s (the best of three blocks of calls). */
async function gemmGflops(): Promise<number> {
  const be = await createBackend("wasm", { threads: 1 });
  try {
    const m = 512, n = 256, k = 512;
    const A = be.alloc(m * k).fill(0.5), B = be.alloc(k * n).fill(0.25), C = be.alloc(m * n);
    const t = timeCalls(() => be.gemm(m, n, k, A, B, C), 5, 60, 3000);
    return (2 * m * n * k) / t.best_block_median_ms / 1e6;
  } finally {
    be.dispose();
  }
}

const sliceArgs = (dir: string): string[] => ["sweep", SWEEP, "--seeds", String(SLICE.seeds), "--set", `steps=${SLICE.steps}`, "--quiet", "--data-dir", dir];

/**
 * The slice in a fresh process: this file run with --run-slice <dir> runs the CLI's main on the slice's arguments,
 * then writes its CPU seconds (all its threads) to stderr.
 */
function timeSlice(): { seconds: number; cpu: number } {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-pair-slice-"));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [SELF, "--run-slice", dir], { encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`grokscope ${sliceArgs(dir).join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
    return { seconds, cpu: Number(/cpu seconds ([\d.]+)\s*$/.exec(r.stderr)?.[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runSlice(dir: string): Promise<void> {
  const { main } = await import("../src/cli/main.js");
  process.exitCode = await main(["node", "grokscope", ...sliceArgs(dir)]);
  const u = process.cpuUsage();
  process.stderr.write(`\ncpu seconds ${(u.user + u.system) / 1e6}\n`);
}

/** `gemmGflopsPerCore`: one thread's gemm rate measured elsewhere (bench/run.ts's kernel table); else measured here. */
export async function benchPairSlice(opts: { reps?: number; gemmGflopsPerCore?: number; log?: (line: string) => void } = {}): Promise<PairSliceResult> {
  const reps = opts.reps ?? 1;
  const log = opts.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const spec = sweepPresetSpec(SWEEP);
  const full = normalizeSweep(spec).runs.map((r) => r.config);
  const slice = normalizeSweep({ ...spec, seeds: SLICE.seeds }, { overrides: (base) => ({ ...base, steps: SLICE.steps }) }).runs.map((r) => r.config);
  const before = loadavg()[0];
  const gemm = opts.gemmGflopsPerCore ?? (await gemmGflops());
  const all: number[] = [], cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    log(`pair-slice bench, round ${r + 1}/${reps}: ${slice.length} runs × ${SLICE.steps} steps …`);
    const t = timeSlice();
    all.push(t.seconds);
    cpu.push(t.cpu);
  }
  const seconds = Math.min(...all);
  const modelSteps = (cs: readonly RunConfig[]) => cs.reduce((s, c) => s + c.steps, 0);
  const scale = modelSteps(full) / modelSteps(slice);
  const cores = availableParallelism();
  const gflopSlice = gridFlops(slice) / 1e9, gflopFull = gridFlops(full) / 1e9;
  return {
    command: `grokscope sweep ${SWEEP} --seeds ${SLICE.seeds} --set steps=${SLICE.steps}`,
    runs: slice.length,
    steps: SLICE.steps,
    seconds,
    all_seconds: all,
    cpu_seconds: cpu,
    full: { runs: full.length, steps: full[0].steps, scale, projected_seconds: seconds * scale },
    bound: { gflop_slice: gflopSlice, gflop_full: gflopFull, gemm_gflops_per_core: gemm, cores, slice_seconds: gflopSlice / (gemm * cores), full_seconds: gflopFull / (gemm * cores) },
    effective_gflops: gflopSlice / seconds,
    load_average_1min: { before, after: loadavg()[0] },
  };
}

/** The lines `npm run bench` prints for this record. */
export function pairSliceTable(r: PairSliceResult): string {
  const min = (s: number) => `${(s / 60).toFixed(1)} min`;
  const b = r.bound;
  return [
    `PAIR sparse-parity sweep, a slice: \`${r.command}\` (${r.runs} runs × ${r.steps} steps), fastest of ${r.all_seconds.length}`,
    "",
    `  slice                  ${r.seconds.toFixed(1).padStart(7)} s wall   ${Math.min(...r.cpu_seconds).toFixed(1)} s CPU (all threads)   target ≤ 40 s`,
    `  full sweep, projected  ${min(r.full.projected_seconds).padStart(9)}     (${r.full.runs} runs × ${r.full.steps} steps: the slice × ${r.full.scale}; target ≤ 60 min)`,
    `  dense compute bound    ${b.slice_seconds.toFixed(1).padStart(7)} s slice, ${min(b.full_seconds)} full sweep (${b.gflop_slice.toFixed(0)} / ${b.gflop_full.toFixed(0)} GFLOP at ${b.gemm_gflops_per_core.toFixed(1)} GFLOP/s gemm × ${b.cores} cores)`,
    `  the slice's dense FLOPs over its wall clock: ${r.effective_gflops.toFixed(1)} GFLOP/s (the kernels add only the inputs equal to 1)`,
    `  1-minute load average ${r.load_average_1min.before.toFixed(2)} before, ${r.load_average_1min.after.toFixed(2)} after (on ${b.cores} cores, other processes slow the wall clock; the CPU seconds less so)`,
  ].join("\n");
}

if (process.argv[1] && SELF === process.argv[1] && process.argv[2] === "--run-slice") {
  await runSlice(process.argv[3]);
} else if (process.argv[1] && SELF === process.argv[1]) {
  const args = process.argv.slice(2);
  const reps = args.includes("--reps") ? Number(args[args.indexOf("--reps") + 1]) : undefined;
  benchPairSlice({ reps }).then(
    (r) => {
      console.log(pairSliceTable(r));
      console.log(JSON.stringify(r));
    },
    (e) => {
      console.error(`pair-slice bench failed: ${e instanceof Error ? e.stack : String(e)}`);
      process.exit(1);
    },
  );
}
