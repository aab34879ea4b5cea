/**
 * POST /api/runs: a preset with edited knobs, validated as `grokscope train` validates it (a bad knob is a 400 naming
 * the key), then trained by a `grokscope train` child process writing the same store. The reply waits until the
 * child has written its run directory's spec.json, so it can name the new run's id.
 */
import { refuseModelModule } from "./user-code.js";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { presetSpec } from "../runs/presets/index.js";
import { applyOverrides } from "../runs/overrides.js";
import { SPEC_FILE } from "../runs/run.js";
import { normalizeSpec, SpecError } from "../runs/spec.js";
import { HttpError } from "./http.js";

/** bin/grokscope.js of this installation (this file is dist/src/server/launch.js). */
export const CLI_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bin", "grokscope.js");

/** Keys a browser may not set: they name files on the server's machine. */
const SERVER_ONLY_KEYS = new Set(["init_from"]);
const MAX_KNOBS = 64;
/** A run started from a page: ten million steps is days on this engine; longer runs belong to the CLI. */
export const MAX_WEB_STEPS = 10_000_000;

export interface LaunchRequest {
  readonly preset: string;
  /** Dotted key → value, as `--set key=value` (values are JSON, which the CLI reads as YAML). */
  readonly sets: readonly string[];
}

/** Checks the body and the resulting spec; 400 naming the key on any problem. */
export function parseLaunch(body: Record<string, unknown>): LaunchRequest {
  const unknown = Object.keys(body).filter((k) => k !== "preset" && k !== "set");
  if (unknown.length > 0) throw new HttpError(400, `unknown field "${unknown[0]}" (expected preset and set)`);
  if (typeof body.preset !== "string" || body.preset === "") throw new HttpError(400, `preset: expected a preset name`);
  const set = body.set ?? {};
  if (typeof set !== "object" || set === null || Array.isArray(set)) throw new HttpError(400, `set: expected an object of key → value`);
  const entries = Object.entries(set as Record<string, unknown>);
  if (entries.length > MAX_KNOBS) throw new HttpError(400, `set: at most ${MAX_KNOBS} keys`);
  const sets: string[] = [];
  for (const [key, value] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(key)) throw new HttpError(400, `set: bad key "${key.slice(0, 80)}"`);
    if (SERVER_ONLY_KEYS.has(key.split(".")[0])) throw new HttpError(400, `${key}: cannot be set from the web lab (it names files on the server)`);
    refuseModelModule(key, value);
    const text = JSON.stringify(value);
    if (text === undefined) throw new HttpError(400, `${key}: value is not JSON`);
    sets.push(`${key}=${text}`);
  }
  try {
    const config = normalizeSpec(applyOverrides(presetSpec(body.preset), sets));
    if (config.steps > MAX_WEB_STEPS) throw new HttpError(400, `steps: ${config.steps} is above the web lab's bound ${MAX_WEB_STEPS} (train longer runs with grokscope train)`);
  } catch (e) {
    if (e instanceof SpecError) throw new HttpError(400, e.message);
    throw e;
  }
  return { preset: body.preset, sets };
}

export interface Launcher {
  /** Starts the run; resolves with its id and directory once the child has written spec.json. */
  launch(req: LaunchRequest): Promise<{ run_id: string; run_dir: string; pid: number }>;
  /** Stops the children still running (they are marked killed and can be resumed). */
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

export function launcher(dataDir: string, bin = CLI_BIN): Launcher {
  const children = new Set<ChildProcess>();

  async function waitForSpec(child: ChildProcess, runDir: string, stderr: () => string): Promise<string> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    const specPath = join(runDir, SPEC_FILE);
    while (Date.now() < deadline) {
      if (existsSync(specPath)) {
        try {
          const id = JSON.parse(await readFile(specPath, "utf8")).run_id;
          if (typeof id === "string") return id;
        } catch {
          // written but not yet complete: read again
        }
      }
      if (child.exitCode !== null) {
        const lines = stderr().trim().split("\n");
        throw new HttpError(child.exitCode === 2 ? 400 : 500, lines[lines.length - 1].replace(/^grokscope: /, "") || `grokscope train exited with code ${child.exitCode}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new HttpError(504, `the run did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
  }

  return {
    async launch(req) {
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
      const runDir = join(dataDir, `${req.preset}-web-${stamp}-${randomUUID().slice(0, 6)}`);
      const args = [bin, "train", req.preset, ...req.sets.flatMap((s) => ["--set", s]), "--out", runDir, "--data-dir", dataDir, "--quiet"];
      const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
      children.add(child);
      let err = "";
      child.stderr!.on("data", (d) => (err = (err + d).slice(-4000)));
      child.on("exit", () => children.delete(child));
      const runId = await waitForSpec(child, runDir, () => err);
      return { run_id: runId, run_dir: relative(dataDir, runDir), pid: child.pid ?? -1 };
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
