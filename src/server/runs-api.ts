/**
 * The runs half of the JSON API: list (filtered), one run, its metrics (columnar, aligned on the step axis), its
 * checkpoints and a checkpoint's bytes. Ids come from the URL and are checked before they reach the store or a path.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { relative } from "node:path";
import { checkpointPath, checkpointSteps } from "../runs/checkpoint.js";
import type { MetricRow } from "../runs/metrics-file.js";
import { RUN_STATUSES, type RunRecord, type RunStatus, type Store } from "../runs/store.js";
import { checkName, checkStep, HttpError } from "./http.js";
import { shownStatus } from "../runs/run-lock.js";

/** A run as the API shows it (snake_case, as `grokscope show --json`); `spec` only when `full`. */
export function runJson(r: RunRecord, full: boolean, dataDir?: string): Record<string, unknown> {
  const base: Record<string, unknown> = {
    run_id: r.runId,
    preset: r.preset,
    ...shownStatus(r), // a `running` row whose trainer is gone is `killed`, stale: true (as grokscope runs shows it)
    step: r.step,
    steps: r.steps,
    seed: r.seed,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    tags: r.tags,
    summary: r.summary,
  };
  // relative to the data dir: the page needs where the run lives, not the layout of the server's disk
  return full ? { ...base, run_dir: dataDir === undefined ? r.runDir : relative(dataDir, r.runDir) || ".", spec: r.spec } : base;
}

const LIST_LIMIT = 1000;

export async function listRunsJson(store: Store, q: URLSearchParams): Promise<unknown> {
  const status = q.get("status") ?? undefined;
  if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) throw new HttpError(400, `status: expected one of ${RUN_STATUSES.join(", ")}, got ${JSON.stringify(status)}`);
  const preset = q.get("preset") || undefined;
  const tag = q.get("tag") || undefined;
  const limit = q.has("limit") ? Math.min(LIST_LIMIT, checkStep("limit", q.get("limit")!)) : LIST_LIMIT;
  const runs = await store.listRuns({ status: status as RunStatus | undefined, preset, tag, limit });
  return { runs: runs.map((r) => runJson(r, false)) };
}

/** The run with exactly this id; 404 otherwise (no prefix matching: a URL names one run). */
export async function requireRun(store: Store, rawId: string): Promise<RunRecord> {
  const id = checkName("run id", rawId);
  const run = await store.findRun(id);
  if (run === null) throw new HttpError(404, `no run "${id}"`);
  return run;
}

/** Long rows (step, key, value) as columns: the distinct steps ascending and one array per key, null where absent. */
export function metricColumns(rows: readonly MetricRow[]): { steps: number[]; values: Record<string, (number | null)[]> } {
  const steps = [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const values: Record<string, (number | null)[]> = {};
  for (const r of rows) {
    const col = (values[r.key] ??= new Array<number | null>(steps.length).fill(null));
    col[at.get(r.step)!] = Number.isFinite(r.value) ? r.value : null; // JSON has no NaN/Infinity
  }
  return { steps, values };
}

export async function metricsJson(store: Store, rawId: string, q: URLSearchParams): Promise<unknown> {
  const run = await requireRun(store, rawId);
  const keysParam = q.get("keys");
  const keys = keysParam ? keysParam.split(",").map((k) => k.trim()).filter((k) => k !== "") : undefined;
  if (keys && keys.length > 200) throw new HttpError(400, `keys: at most 200, got ${keys.length}`);
  const since = q.has("since") ? checkStep("since", q.get("since")!) : -1;
  const rows = (await store.getMetrics(run.runId, keys)).filter((r) => r.step > since);
  return { run_id: run.runId, status: run.status, step: run.step, ...metricColumns(rows) };
}

export async function checkpointsJson(store: Store, rawId: string): Promise<unknown> {
  const run = await requireRun(store, rawId);
  const steps = await checkpointSteps(run.runDir);
  const list = await Promise.all(
    steps.map(async (step) => ({
      step,
      bytes: (await stat(checkpointPath(run.runDir, step))).size,
      url: `/api/runs/${encodeURIComponent(run.runId)}/checkpoints/${step}`,
    })),
  );
  return { run_id: run.runId, checkpoints: list };
}

/** Streams the safetensors file of the run's checkpoint at `rawStep` as a download. */
export async function sendCheckpoint(store: Store, rawId: string, rawStep: string, res: ServerResponse): Promise<void> {
  const run = await requireRun(store, rawId);
  const step = checkStep("checkpoint step", rawStep);
  const path = checkpointPath(run.runDir, step); // built from the store's run_dir and an integer: no user path
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new HttpError(404, `run "${run.runId}" has no checkpoint at step ${step}`);
  }
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": size,
    "content-disposition": `attachment; filename="${run.runId}-step_${step}.safetensors"`,
    "x-content-type-options": "nosniff",
  });
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(path);
    s.on("error", reject);
    res.on("close", resolve);
    s.pipe(res);
  });
}
