/**
 * A sweep of 64 sparse-parity models (8 weight decays × 8 seeds; the R3 preset: 30 bits + bias input, MLP 31→64→2,
 * 1,000 train / 5,000 test examples, AdamW, full batch, evaluations at the preset's cadence with its weight-norm
 * measure) for a fixed number of steps, timed three ways side by side: grokscope batched (trainBatched, 2 threads),
 * grokscope one model after another (buildSetup + trainStep + evaluationRows per model, wasm on 2 threads), and a
 * per-model PyTorch CPU loop (bench/torch_sweep.py, 1 and 2 threads, the faster reported). Each is the whole sweep's
 * wall-clock time, setup included, reported as ms per model-step; the ways take turns for `reps` rounds and each
 * way's fastest round counts.
 * Run alone: node dist/bench/sweep.js [--steps N] [--reps R] [--skip-torch].
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { resolveMeasures } from "../src/measures/registry.js";
import { presetSpec } from "../src/runs/presets/index.js";
import { evaluationRows } from "../src/runs/run.js";
import { buildSetup } from "../src/runs/setup.js";
import { normalizeSpec, type RunConfig } from "../src/runs/spec.js";
import { trainBatched } from "../src/sweeps/batched/index.js";
import { createBackend } from "../src/tensor/backend-select.js";
import { evalCadence, evalSteps } from "../src/train/cadence.js";
import { trainStep } from "../src/train/loop.js";
import { PYTHON, torchAvailable } from "./torch.js";

export const WEIGHT_DECAYS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28];
export const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

export interface SweepTiming {
  /** Fastest whole-sweep wall-clock time over the reps. */
  readonly seconds: number;
  readonly ms_per_model_step: number;
  readonly all_seconds: number[];
}

export interface SweepBenchResult {
  readonly models: number;
  readonly steps: number;
  readonly evaluations_per_model: number;
  readonly batched: SweepTiming;
  readonly one_by_one: SweepTiming;
  /** The faster of torch×1 and torch×2 (both in torch_by_threads); null when PyTorch was skipped or missing. */
  readonly torch: (SweepTiming & { readonly threads: number }) | null;
  readonly torch_by_threads: Record<string, SweepTiming>;
  readonly torch_skipped: string | null;
  /** PyTorch rounds stopped for running far longer than grokscope's (e.g. two threads on a busy machine). */
  readonly torch_timeouts: string[];
  readonly ratios: { readonly "torch / batched"?: number; readonly "one_by_one / batched": number };
  readonly mean_final_train_acc: { readonly batched: number; readonly one_by_one: number; readonly torch?: number };
  readonly load_average_1min: { readonly before: number; readonly after: number };
}

export function sweepConfigs(steps: number): RunConfig[] {
  const base = presetSpec("sparse-parity");
  const configs: RunConfig[] = [];
  for (const weight_decay of WEIGHT_DECAYS) {
    for (const seed of SEEDS) {
      configs.push(normalizeSpec({ ...base, steps, seed, optimizer: { ...(base.optimizer as object), weight_decay } }));
    }
  }
  return configs;
}

function lastTrainAcc(rows: readonly { step: number; key: string; value: number }[]): number {
  return rows.filter((r) => r.key === "train_acc").at(-1)!.value;
}

function timing(all: number[], modelSteps: number): SweepTiming {
  const seconds = Math.min(...all);
  return { seconds, ms_per_model_step: (1000 * seconds) / modelSteps, all_seconds: all };
}

async function timeBatched(configs: RunConfig[]): Promise<{ seconds: number; acc: number }> {
  const t0 = performance.now();
  const out = await trainBatched(configs, { threads: 2 });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, acc: out.reduce((s, o) => s + lastTrainAcc(o.rows), 0) / out.length };
}

/** Each model as `grokscope train` trains it (without the files): evaluationRows at the cadence, trainStep. */
async function timeOneByOne(configs: RunConfig[]): Promise<{ seconds: number; acc: number }> {
  const t0 = performance.now();
  const backend = await createBackend("wasm", { threads: 2 });
  let acc = 0;
  try {
    for (const config of configs) {
      const { setup, state, init } = await buildSetup(config, { backend });
      const measures = resolveMeasures(config.measures, setup.model, setup.data, state.params);
      const isEval = evalCadence(config.eval);
      let rows: ReturnType<typeof evaluationRows> = [];
      for (;;) {
        if (isEval(state.step, config.steps)) rows = evaluationRows({ config, measures, init }, setup, state);
        if (state.step >= config.steps) break;
        trainStep(setup, state);
      }
      acc += lastTrainAcc(rows) / configs.length;
    }
  } finally {
    backend.dispose();
  }
  return { seconds: (performance.now() - t0) / 1000, acc };
}

/** The PyTorch loop on `threads` threads; null when it ran past `timeoutMs` (oversubscribed threads can crawl). */
function timeTorch(configs: RunConfig[], threads: number, timeoutMs: number): { seconds: number; acc: number } | null {
  const c = configs[0];
  if (c.task.name !== "sparse_parity" || c.model.name !== "mlp") throw new Error("bench sweep: the PyTorch loop is written for sparse parity");
  const spec = {
    steps: c.steps,
    eval_steps: evalSteps(c.eval, c.steps),
    models: WEIGHT_DECAYS.flatMap((wd) => SEEDS.map((seed) => [wd, seed])),
    n_train: c.task.n_train,
    n_test: c.task.n_test,
    width: c.model.width,
  };
  const path = fileURLToPath(new URL("../../bench/torch_sweep.py", import.meta.url));
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const r = spawnSync(PYTHON, [path, String(threads), JSON.stringify(spec)], { encoding: "utf8", timeout: timeoutMs, env });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return null;
  if (r.status !== 0) throw new Error(`bench/torch_sweep.py failed (exit ${r.status}): ${(r.stderr || r.error?.message || "").trim()}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as { seconds: number; mean_final_train_acc: number };
  return { seconds: out.seconds, acc: out.mean_final_train_acc };
}

/**
 * The three ways in turn, `reps` rounds (so a busy stretch of the machine slows all of them, not one), each way's
 * fastest round counting. A PyTorch round that takes more than 5× the slowest grokscope way of its round plus a minute
 * is stopped and not counted (noted in torch_timeouts).
 */
export async function benchSweep(opts: { steps?: number; reps?: number; skipTorch?: boolean; log?: (line: string) => void } = {}): Promise<SweepBenchResult> {
  const steps = opts.steps ?? 300;
  const reps = opts.reps ?? 2;
  const log = opts.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const configs = sweepConfigs(steps);
  const modelSteps = configs.length * steps;
  const before = loadavg()[0];
  const torchSkipped = opts.skipTorch ? "skipped (--skip-torch)" : torchAvailable();
  const batched: number[] = [], oneByOne: number[] = [];
  const torchRuns: Record<string, number[]> = { "torch×1": [], "torch×2": [] };
  const timeouts: string[] = [];
  let accBatched = NaN, accOne = NaN, accTorch: number | undefined;
  for (let r = 0; r < reps; r++) {
    log(`sweep bench, round ${r + 1}/${reps}: grokscope batched …`);
    const b = await timeBatched(configs);
    batched.push(b.seconds);
    accBatched = b.acc;
    log(`sweep bench, round ${r + 1}/${reps}: grokscope one by one …`);
    const o = await timeOneByOne(configs);
    oneByOne.push(o.seconds);
    accOne = o.acc;
    if (torchSkipped) continue;
    for (const threads of [1, 2]) {
      log(`sweep bench, round ${r + 1}/${reps}: PyTorch×${threads} …`);
      const t = timeTorch(configs, threads, Math.round((5 * Math.max(b.seconds, o.seconds) + 60) * 1000));
      if (t === null) timeouts.push(`torch×${threads} round ${r + 1}`);
      else {
        torchRuns[`torch×${threads}`].push(t.seconds);
        accTorch = t.acc;
      }
    }
  }
  const torchByThreads: Record<string, SweepTiming> = {};
  for (const [k, all] of Object.entries(torchRuns)) if (all.length > 0) torchByThreads[k] = timing(all, modelSteps);
  const best = Object.entries(torchByThreads).sort((a, b) => a[1].seconds - b[1].seconds)[0];
  const tb = timing(batched, modelSteps), to = timing(oneByOne, modelSteps);
  const torch = best ? { ...best[1], threads: Number(best[0].slice("torch×".length)) } : null;
  return {
    models: configs.length,
    steps,
    evaluations_per_model: evalSteps(configs[0].eval, steps).length,
    batched: tb,
    one_by_one: to,
    torch,
    torch_by_threads: torchByThreads,
    torch_skipped: torchSkipped,
    torch_timeouts: timeouts,
    ratios: { ...(torch ? { "torch / batched": torch.seconds / tb.seconds } : {}), "one_by_one / batched": to.seconds / tb.seconds },
    mean_final_train_acc: { batched: accBatched, one_by_one: accOne, ...(accTorch === undefined ? {} : { torch: accTorch }) },
    load_average_1min: { before, after: loadavg()[0] },
  };
}

/** The table `npm run bench` prints for this record. */
export function sweepTable(r: SweepBenchResult): string {
  const f = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(d));
  const line = (label: string, t: SweepTiming) => `  ${label.padEnd(36)}${f(t.seconds, 2).padStart(8)} s   ${f(t.ms_per_model_step)} ms per model-step`;
  return [
    `sweep of ${r.models} sparse-parity models × ${r.steps} steps (${r.evaluations_per_model} evaluations each): whole-sweep wall-clock, fastest of ${r.batched.all_seconds.length} rounds`,
    "",
    line("grokscope batched (2 threads)", r.batched),
    line("grokscope one by one (wasm×2)", r.one_by_one),
    ...Object.entries(r.torch_by_threads).map(([k, t]) => line(`PyTorch per-model loop (${k})`, t)),
    "",
    `  PyTorch (faster) / batched: ${f(r.ratios["torch / batched"], 2)}×   one by one / batched: ${f(r.ratios["one_by_one / batched"], 2)}×` +
      (r.torch_skipped ? `   (PyTorch: ${r.torch_skipped})` : "") +
      (r.torch_timeouts.length > 0 ? `   (stopped, too slow: ${r.torch_timeouts.join(", ")})` : ""),
    `  1-minute load average ${r.load_average_1min.before.toFixed(2)} before, ${r.load_average_1min.after.toFixed(2)} after (on 2 cores, above ~0.5 other processes slow every column)`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const num = (flag: string): number | undefined => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : undefined);
  benchSweep({ steps: num("--steps"), reps: num("--reps"), skipTorch: args.includes("--skip-torch") }).then(
    (r) => {
      console.log(sweepTable(r));
      console.log(JSON.stringify(r));
    },
    (e) => {
      console.error(`sweep bench failed: ${e instanceof Error ? e.stack : String(e)}`);
      process.exit(1);
    },
  );
}
