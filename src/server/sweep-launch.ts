/**
 * POST /api/sweeps: a sweep preset with edited axes and base-spec knobs, checked exactly as `grokscope sweep` checks
 * them (the preset, `--axis key=value` replacing or adding an axis, `--seeds`, `--name`, then normalizeSweep with the
 * `--set` overrides on the base spec, which normalizes every run's spec: a bad key is a 400 naming it), then trained
 * by a `grokscope sweep` child process writing the same store. The reply waits until the sweep is in the store, so
 * the page can follow its progress there.
 */
import { refuseModelModule } from "./user-code.js";
import { spawn, type ChildProcess } from "node:child_process";
import { applyOverrides, parseOverride } from "../runs/overrides.js";
import { SpecError } from "../runs/spec.js";
import type { Store } from "../runs/store.js";
import { SWEEP_PRESETS, sweepPresetSpec } from "../sweeps/presets.js";
import { normalizeSweep } from "../sweeps/spec.js";
import { listSweeps } from "../sweeps/sweep-store.js";
import { HttpError } from "./http.js";
import { CLI_BIN } from "./launch.js";

const FIELDS = new Set(["preset", "name", "seeds", "workers", "axes", "set"]);
const SERVER_ONLY_KEYS = new Set(["init_from"]);
const MAX_KEYS = 32;
/** A sweep started from the browser trains at most this many runs (the CLI has no such cap). */
export const MAX_WEB_SWEEP_RUNS = 2000;

export interface SweepLaunch {
  readonly preset: string;
  readonly name: string;
  readonly total: number;
  /** The command-line arguments after `grokscope sweep`. */
  readonly args: readonly string[];
}

/** `key=<json>` strings from an object of key → value; 400 naming a bad or server-only key. */
function keyValues(field: string, raw: unknown): string[] {
  if (raw === undefined) return [];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new HttpError(400, `${field}: expected an object of key → value`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_KEYS) throw new HttpError(400, `${field}: at most ${MAX_KEYS} keys`);
  return entries.map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(key)) throw new HttpError(400, `${field}: bad key "${key.slice(0, 80)}"`);
    if (SERVER_ONLY_KEYS.has(key.split(".")[0])) throw new HttpError(400, `${field === "axes" ? "axes." : ""}${key}: cannot be set from the web lab (it names files on the server)`);
    refuseModelModule(key, value, field === "axes" ? "axes." : "");
    const text = JSON.stringify(value);
    if (text === undefined) throw new HttpError(400, `${key}: value is not JSON`);
    return `${key}=${text}`;
  });
}

function count(field: string, v: unknown, max: number): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) throw new HttpError(400, `${field}: expected an integer from 1 to ${max}`);
  return v;
}

/** Checks the body as `grokscope sweep <preset> --axis … --set … --seeds n --name x` would; 400 naming the key. */
export function parseSweepLaunch(body: Record<string, unknown>): SweepLaunch {
  const unknown = Object.keys(body).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) throw new HttpError(400, `unknown field "${unknown[0]}" (expected ${[...FIELDS].join(", ")})`);
  if (typeof body.preset !== "string" || body.preset === "") throw new HttpError(400, "preset: expected a sweep preset name");
  const axes = keyValues("axes", body.axes);
  const sets = keyValues("set", body.set);
  const seeds = count("seeds", body.seeds, 10_000);
  const workers = count("workers", body.workers, 64);
  if (body.name !== undefined && typeof body.name !== "string") throw new HttpError(400, "name: expected a string");
  const name = body.name === "" ? undefined : (body.name as string | undefined);
  try {
    let raw = sweepPresetSpec(body.preset);
    if (axes.length > 0) {
      const merged: Record<string, unknown> = { ...((raw.axes as Record<string, unknown>) ?? {}) };
      for (const a of axes) {
        const { path, value } = parseOverride(a);
        merged[path.join(".")] = value;
      }
      raw = { ...raw, axes: merged };
    }
    if (seeds !== undefined) raw = { ...raw, seeds };
    if (name !== undefined) raw = { ...raw, name };
    const sweep = normalizeSweep(raw, { overrides: (base) => applyOverrides(base, sets) });
    if (sweep.runs.length > MAX_WEB_SWEEP_RUNS) throw new HttpError(400, `axes: the grid has ${sweep.runs.length} runs; the web lab starts at most ${MAX_WEB_SWEEP_RUNS} (use grokscope sweep for more)`);
    const args = [
      body.preset,
      ...axes.flatMap((a) => ["--axis", a]),
      ...sets.flatMap((s) => ["--set", s]),
      ...(seeds !== undefined ? ["--seeds", String(seeds)] : []),
      ...(name !== undefined ? ["--name", name] : []),
      ...(workers !== undefined ? ["--workers", String(workers)] : []),
    ];
    return { preset: body.preset, name: sweep.name, total: sweep.runs.length, args };
  } catch (e) {
    if (e instanceof SpecError) throw new HttpError(400, e.message);
    throw e;
  }
}

/** The sweep presets as the form offers them. */
export function sweepPresetsJson(): unknown {
  return { presets: Object.entries(SWEEP_PRESETS).map(([name, p]) => ({ name, description: p.describe, spec: p.spec })) };
}

export interface SweepLauncher {
  /** Starts the sweep; resolves once the store lists it (409 if a sweep of that name exists). */
  launch(req: SweepLaunch): Promise<{ name: string; total: number; pid: number }>;
  /** Stops the sweeps still training (each can be continued with the same `grokscope sweep` command). */
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

export function sweepLauncher(store: Store, dataDir: string, bin = CLI_BIN): SweepLauncher {
  const children = new Set<ChildProcess>();
  return {
    async launch(req) {
      if ((await listSweeps(store)).some((s) => s.name === req.name)) throw new HttpError(409, `name: a sweep "${req.name}" exists already; choose another name`);
      const child = spawn(process.execPath, [bin, "sweep", ...req.args, "--data-dir", dataDir, "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
      children.add(child);
      let err = "";
      child.stderr!.on("data", (d) => (err = (err + d).slice(-4000)));
      child.on("exit", () => children.delete(child));
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) {
          const lines = err.trim().split("\n");
          throw new HttpError(child.exitCode === 2 ? 400 : 500, lines[lines.length - 1].replace(/^grokscope: /, "") || `grokscope sweep exited with code ${child.exitCode}`);
        }
        try {
          if ((await listSweeps(store)).some((s) => s.name === req.name)) return { name: req.name, total: req.total, pid: child.pid ?? -1 };
        } catch {
          // the store is briefly locked by the child's first write: look again
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new HttpError(504, `the sweep did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
    },
    async close() {
      await Promise.all(
        [...children].filter((c) => c.exitCode === null && c.signalCode === null).map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once("exit", () => resolve());
              c.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
