/**
 * Interventions from the run page, on the library's `grokscope intervene` (src/runs/intervene.ts): a checkpoint's
 * hook points, and train / test loss and accuracy before and after ablating neurons, heads or frequencies at one.
 *
 *   GET  /api/runs/:id/hooks?step=S     {run_id, step, model, hooks: [{name, shape}], heads, p}
 *   POST /api/runs/:id/intervene        {step?, hook, mode: "zero"|"mean"|"patch", patch_from?: step,
 *                                        neurons?: [i…], heads?: [h…], frequencies?: [f…]|"key", keep?}
 *                                       → the InterveneResult (before, after, what was ablated)
 *
 * The run's model is built from its spec, so a run whose spec names a model module (user code) is refused: the web
 * lab never loads one. Patching takes a step of the same run only (another run would name a path on the server).
 * One evaluation at a time: it runs on the server's thread (a second request meanwhile gets 503, not a queue).
 */
import { hookShapes } from "../autograd/interventions.js";
import { interveneRun, loadForIntervention, type InterventionMode, type UnitSelection } from "../runs/intervene.js";
import type { RunRecord, Store } from "../runs/store.js";
import { SpecError } from "../runs/spec.js";
import { checkStep, HttpError } from "./http.js";
import { requireRun } from "./runs-api.js";

/** Hooks a model records but does not continue from: not offered (intervene refuses them). */
const READ_ONLY = /hook_pattern$/;
const MAX_UNITS = 4096;

let busy = false;

/** Runs f alone; the library's errors name CLI flags (--hook: …), which read here as the request's fields (hook: …). */
async function exclusive<T>(f: () => Promise<T>): Promise<T> {
  if (busy) throw new HttpError(503, "another intervention is being evaluated; try again when it is done");
  busy = true;
  try {
    return await f();
  } catch (e) {
    if (e instanceof SpecError) throw new HttpError(400, e.message.replace(/^--([a-z-]+)/, (_m, flag: string) => flag.replace(/-/g, "_")));
    throw e;
  } finally {
    busy = false;
  }
}

function refuseUserCode(run: RunRecord): void {
  const model = (run.spec as { model?: { module?: unknown } } | null)?.model;
  if (model && typeof model === "object" && model.module !== undefined && model.module !== null) {
    throw new HttpError(400, `run "${run.runId}" uses a model module: the web lab never loads user code; use grokscope intervene`);
  }
}

export async function hooksJson(store: Store, dataDir: string, rawId: string, q: URLSearchParams): Promise<unknown> {
  const run = await requireRun(store, rawId);
  refuseUserCode(run);
  const step = q.has("step") ? checkStep("step", q.get("step")!) : undefined;
  return exclusive(async () => {
    const c = await loadForIntervention(run.runDir, { dataDir, step });
    try {
      const shapes = hookShapes(c.model, c.params, c.data.train);
      const heads = c.config.model.name === "transformer" ? (c.config.model as { heads?: number }).heads ?? null : null;
      const p = typeof c.data.meta.p === "number" ? c.data.meta.p : null;
      return {
        run_id: c.runId,
        step: c.step,
        model: c.model.name,
        heads,
        p,
        hooks: [...shapes].filter(([name]) => !READ_ONLY.test(name)).map(([name, shape]) => ({ name, shape: [...shape] })),
      };
    } finally {
      c.dispose();
    }
  });
}

function indexList(body: Record<string, unknown>, key: string): number[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_UNITS || !v.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new HttpError(400, `${key}: expected a non-empty list of at most ${MAX_UNITS} indices ≥ 0`);
  }
  return v as number[];
}

/** The request body as interveneRun's options; 400 naming the field. */
export function parseIntervene(body: Record<string, unknown>): { step?: number; hook: string; mode: InterventionMode; patchFrom?: number; select: UnitSelection } {
  const known = new Set(["step", "hook", "mode", "patch_from", "neurons", "heads", "frequencies", "keep"]);
  const unknown = Object.keys(body).find((k) => !known.has(k));
  if (unknown !== undefined) throw new HttpError(400, `unknown field "${unknown.slice(0, 40)}" (expected ${[...known].join(", ")})`);
  if (typeof body.hook !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(body.hook) || body.hook.length > 120) throw new HttpError(400, `hook: expected a hook name such as hook_post or blocks.0.mlp.hook_post`);
  if (body.mode !== "zero" && body.mode !== "mean" && body.mode !== "patch") throw new HttpError(400, `mode: expected zero, mean or patch`);
  const step = body.step === undefined || body.step === null ? undefined : checkStep("step", String(body.step));
  let patchFrom: number | undefined;
  if (body.mode === "patch") {
    if (!Number.isInteger(body.patch_from) || (body.patch_from as number) < 0) throw new HttpError(400, `patch_from: expected a checkpoint step of this run (patching from another run is for grokscope intervene)`);
    patchFrom = body.patch_from as number;
  } else if (body.patch_from !== undefined) throw new HttpError(400, `patch_from: only with mode "patch"`);
  let frequencies: number[] | "key" | undefined;
  if (body.frequencies === "key") frequencies = "key";
  else frequencies = indexList(body, "frequencies");
  if (body.keep !== undefined && typeof body.keep !== "boolean") throw new HttpError(400, `keep: expected true or false`);
  const select: UnitSelection = { neurons: indexList(body, "neurons"), heads: indexList(body, "heads"), frequencies, keep: body.keep === true };
  return { step, hook: body.hook, mode: body.mode, patchFrom, select };
}

export async function interveneJson(store: Store, dataDir: string, rawId: string, body: Record<string, unknown>): Promise<unknown> {
  const run = await requireRun(store, rawId);
  refuseUserCode(run);
  const o = parseIntervene(body);
  return exclusive(() => interveneRun(run.runDir, { dataDir, step: o.step, hook: o.hook, mode: o.mode, patchFrom: o.patchFrom, select: o.select }));
}
