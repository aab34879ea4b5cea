import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** bin/grokscope.js of this checkout (tests run from dist/test/...). */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bin", "grokscope.js");

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runCliAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last line of stdout parsed as JSON (README.md, "What it looks like": the summary is the last line). */
export function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * Runs several CLI invocations one after another in ONE Node process (main() called per case, its stdout and
 * stderr captured per case): many bad-input cases for the cost of one process start.
 */
export function runCliBatch(cases: readonly (readonly string[])[], env: Record<string, string> = {}): CliResult[] {
  const runner = join(dirname(fileURLToPath(import.meta.url)), "cli-batch-runner.js");
  const r = spawnSync(process.execPath, [runner], { encoding: "utf8", env: { ...process.env, ...env, GROKSCOPE_BATCH: JSON.stringify(cases) }, timeout: 300_000, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`batch runner failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult[];
}
