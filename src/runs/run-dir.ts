/**
 * A run's directory: its files' names, its id, creating it, reading its spec back, and finding a run by id or path.
 * (The training loop is run.ts; evaluations and the summary are evaluation.ts.)
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { normalizeSpec, SpecError, type RunConfig } from "./spec.js";
import { openStore } from "./store.js";

export const SPEC_FILE = "spec.json";
export const METRICS_FILE = "metrics.parquet";
export const SUMMARY_FILE = "summary.json";

/** A new run id: the preset (or a user model's name), the time and six random hex digits. */
export function newRunId(prefix: string | null): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${prefix ?? "run"}-${t}-${randomUUID().slice(0, 6)}`;
}

export async function isNonEmptyDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory() && (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

/** Writes the run's spec.json: its id and its normalized config. */
export async function writeSpecFile(runDir: string, runId: string, config: RunConfig): Promise<void> {
  await writeFile(join(runDir, SPEC_FILE), JSON.stringify({ run_id: runId, ...config }, null, 2) + "\n");
}

/** mkdir -p, with a one-line SpecError naming the path when a file is in the way. */
export async function makeRunDir(runDir: string): Promise<void> {
  try {
    await mkdir(runDir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpecError(`--out ${runDir}: cannot create the run directory (${code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : (e as Error).message})`);
  }
}

/** Reads a run directory's spec.json; errors name the directory. */
export async function readRunDir(runDir: string): Promise<{ runId: string; config: RunConfig }> {
  const path = join(runDir, SPEC_FILE);
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch {
    throw new SpecError(`cannot read ${path}: not a grokscope run directory`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SpecError(`${path}: not valid JSON`);
  }
  const { run_id, ...spec } = parsed;
  if (typeof run_id !== "string") throw new SpecError(`${path}: missing run_id`);
  return { runId: run_id, config: normalizeSpec(spec) };
}

/** Where `ref` (a run directory or a run id / unique prefix in the store) lives. */
export async function locateRun(ref: string, dataDir: string): Promise<string> {
  if (existsSync(join(ref, SPEC_FILE))) return resolve(ref);
  if (existsSync(ref)) throw new SpecError(`${ref}: not a grokscope run directory (no ${SPEC_FILE})`);
  if (!existsSync(dataDir)) throw new SpecError(`run "${ref}" not found: no such directory, and no run store at ${dataDir}`);
  const store = await openStore(dataDir);
  try {
    return (await store.getRun(ref)).runDir;
  } catch (e) {
    throw new SpecError(`run "${ref}" not found: ${(e as Error).message}`);
  } finally {
    await store.close();
  }
}
