/** PyTorch CPU reference timings: runs bench/torch_*.py with the system python and parses their JSON line. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PYTHON = "/usr/bin/python3";

export interface TorchTiming {
  readonly median_ms: number;
  readonly best_block_median_ms: number;
  readonly mean_ms: number;
  readonly steps: number;
  readonly threads: number;
  readonly torch: string;
}

/** null with a reason when python or torch is unavailable (the bench then skips the PyTorch column). */
export function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) return `PyTorch is not importable by ${PYTHON}: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
  return null;
}

export function runTorch(script: string, threads: number, steps: number, warmup: number, extra: readonly string[] = []): TorchTiming {
  const path = fileURLToPath(new URL(`../../bench/${script}`, import.meta.url));
  // The BLAS and OpenMP pools get the same thread count as torch, so the threads do not oversubscribe the cores.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const r = spawnSync(PYTHON, [path, String(threads), String(steps), String(warmup), ...extra], { encoding: "utf8", timeout: 300_000, env });
  if (r.status !== 0) throw new Error(`bench/${script} failed (exit ${r.status}): ${(r.stderr || r.error?.message || "").trim()}`);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as TorchTiming;
}
