/**
 * Time to a first grok: the wall clock of `grokscope train gromov --steps 100` (R1 groks near step 90), as a user
 * starts it — a fresh Node process, module loading, the wasm kernels, the run store, 100 steps with the preset's
 * evaluations every 10 steps — and of `--steps 0` (everything but the training). Each command runs `reps` times in a
 * fresh data directory; the report keeps every time, the median and the minimum, and the runs' grok steps.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/grokscope.js", import.meta.url));

export interface FirstGrokResult {
  readonly command: string;
  readonly seconds: number[];
  readonly median_s: number;
  readonly min_s: number;
  /** Wall seconds of the same command with --steps 0: start-up, store, one evaluation. */
  readonly startup_median_s: number;
  readonly grok_steps: Array<number | null>;
}

function timeCommand(args: string[]): { seconds: number; summary: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-first-grok-"));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args, "--quiet", "--data-dir", dir], { encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`grokscope ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
    return { seconds, summary: JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function benchFirstGrok(reps = 5): FirstGrokResult {
  const runs = Array.from({ length: reps }, () => timeCommand(["train", "gromov", "--steps", "100"]));
  const startup = Array.from({ length: reps }, () => timeCommand(["train", "gromov", "--steps", "0"]).seconds);
  const seconds = runs.map((r) => r.seconds);
  return {
    command: "grokscope train gromov --steps 100",
    seconds,
    median_s: median(seconds),
    min_s: Math.min(...seconds),
    startup_median_s: median(startup),
    grok_steps: runs.map((r) => (typeof r.summary.grok_step === "number" ? r.summary.grok_step : null)),
  };
}
