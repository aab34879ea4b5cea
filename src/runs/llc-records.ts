/**
 * Reading a run's LLC records back: `<run_dir>/llc/step_<8 digits>.json`, one per step at which the `llc` measure
 * ran, each with the estimate, its hyper-parameters and key, the diagnostics and the chains' loss traces
 * (src/measures/llc/record.ts holds the format).
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LLC_RECORD_DIR, llcRecordPath, llcRecordStep, parseLlcRecord, type LlcRecord } from "../measures/llc/record.js";
import { resolveDataDir } from "./compose.js";
import { locateRun } from "./run-dir.js";
import { SpecError } from "./spec.js";

/** Steps with an LLC record in a run directory, ascending ([] when there are none). */
export async function llcRecordSteps(runDir: string): Promise<number[]> {
  const dir = join(runDir, LLC_RECORD_DIR);
  if (!existsSync(dir)) return [];
  const steps = (await readdir(dir)).map(llcRecordStep).filter((s): s is number => s !== null);
  return steps.sort((a, b) => a - b);
}

/** The LLC record at `step` (default the last); a missing or malformed file is a SpecError naming it. */
export async function readLlcRecord(runDir: string, step?: number): Promise<LlcRecord> {
  let s = step;
  if (s === undefined) {
    const steps = await llcRecordSteps(runDir);
    if (steps.length === 0) throw new SpecError(`${runDir}: no LLC records (the run did not compute the "llc" measure; grokscope measure <run> --measures llc adds them)`);
    s = steps[steps.length - 1];
  }
  const path = join(runDir, llcRecordPath(s));
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    const steps = await llcRecordSteps(runDir);
    throw new SpecError(`--step ${s}: no LLC record at ${path} (records at steps: ${steps.join(", ") || "none"})`);
  }
  try {
    return parseLlcRecord(text, path);
  } catch (e) {
    throw new SpecError((e as Error).message);
  }
}

/** Every LLC record of a run directory, in step order. */
export async function readLlcRecords(runDir: string): Promise<LlcRecord[]> {
  const out: LlcRecord[] = [];
  for (const s of await llcRecordSteps(runDir)) out.push(await readLlcRecord(runDir, s));
  return out;
}

/**
 * The library's reader: a run's LLC records (run id, unique prefix or run directory), every step or the one asked
 * for. `loadLlcRecords("gromov-2026…", { step: 400 })[0].loss_trace[c][i]` is chain c's loss at draw i.
 */
export async function loadLlcRecords(ref: string, opts: { dataDir?: string; step?: number } = {}): Promise<LlcRecord[]> {
  const runDir = await locateRun(ref, resolveDataDir(opts.dataDir));
  return opts.step === undefined ? readLlcRecords(runDir) : [await readLlcRecord(runDir, opts.step)];
}
