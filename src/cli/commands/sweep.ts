import { Command } from "commander";
import { resolve } from "node:path";
import { applyOverrides, parseOverride } from "../../runs/overrides.js";
import { SpecError } from "../../runs/spec.js";
import { openSweepSession } from "../../sweeps/coordinator.js";
import { runSweepLocal, type SweepProgress } from "../../sweeps/local.js";
import { runSweepDistributed } from "../../sweeps/distributed/coordinator.js";
import { checkRedis, parseQueueUrl } from "../../sweeps/distributed/queue.js";
import { sweepPresetSpec } from "../../sweeps/presets.js";
import { normalizeSweep, type SweepConfig } from "../../sweeps/spec.js";
import { runClassifier } from "../../sweeps/classify.js";
import { dataDirFrom } from "../data-dir.js";
import { readYamlMapping, resolveModelModule } from "../spec-file.js";
import { parseCount, parseWorkers } from "../parse.js";

const collect = (v: string, prev: string[]) => [...prev, v];

/** A sweep spec from a preset name or a YAML/JSON file. */
export async function readSweepSpec(ref: string): Promise<Record<string, unknown>> {
  if (!/\.(json|ya?ml)$/i.test(ref)) return sweepPresetSpec(ref);
  const sweep = await readYamlMapping(ref, "sweep");
  // a model module in the sweep's run spec is relative to the sweep file
  return typeof sweep.spec === "object" && sweep.spec !== null ? { ...sweep, spec: resolveModelModule(sweep.spec as Record<string, unknown>, ref) } : sweep;
}

function fmtDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return "—";
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** A log (not a terminal) gets a progress line without a finished run at most this often. */
const LOG_PROGRESS_EVERY_MS = 60_000;

function sweepReporter(name: string, stream: NodeJS.WriteStream = process.stderr): (p: SweepProgress) => void {
  const tty = stream.isTTY === true;
  let loggedAt = -Infinity;
  return (p) => {
    // the bar fills with the work done: training steps weighted by their cost (runs of a batch finish together, long
    // after they start, and the costliest go first)
    const fraction = p.work && p.work.total > 0 ? p.work.done / p.work.total : (p.done + p.failed) / Math.max(1, p.total);
    const width = 24, filled = Math.min(width, Math.round(width * fraction));
    const last = p.last ? `  ${p.last.how === "failed" ? "FAILED" : p.last.how} ${p.last.runKey}${p.last.message ? `: ${p.last.message}` : ""}` : "";
    const stepsText = p.work && p.work.total > 0 ? `, ${Math.floor(100 * fraction)}% of the work` : "";
    const text = `${name} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} done${p.failed ? `, ${p.failed} failed` : ""}${stepsText}  ETA ${fmtDuration(p.etaSeconds)}`;
    if (tty) stream.write(`\r${text}\x1b[K${p.last?.how === "failed" ? `\n${last.trim()}\n` : ""}`);
    else if (p.last || performance.now() - loggedAt >= LOG_PROGRESS_EVERY_MS) {
      loggedAt = performance.now();
      stream.write(`${text}${last}\n`);
    }
  };
}

/** `--axis key=[v1, v2]` (a YAML list or axis object) replaces or adds one axis. */
function applyAxes(spec: Record<string, unknown>, axes: readonly string[]): Record<string, unknown> {
  if (axes.length === 0) return spec;
  const out = { ...spec, axes: { ...((spec.axes as Record<string, unknown>) ?? {}) } };
  for (const a of axes) {
    const { path, value } = parseOverride(a);
    (out.axes as Record<string, unknown>)[path.join(".")] = value;
  }
  return out;
}

/** What the store keeps of a sweep: the spec as written and what it resolved to (read by `grokscope phases`). */
export interface StoredSweepSpec {
  readonly spec: unknown;
  readonly axes: SweepConfig["axes"];
  readonly seeds: readonly number[];
  readonly classify: unknown;
  readonly base: SweepConfig["base"];
}

function storedSweepSpec(raw: unknown, sweep: SweepConfig): StoredSweepSpec {
  return { spec: raw, axes: sweep.axes, seeds: sweep.seeds, classify: sweep.classify, base: sweep.base };
}

export function sweepCommand(): Command {
  return new Command("sweep")
    .description("train a sweep (grid of spec values × seeds) and record every run and its phase in the run store")
    .argument("<sweep>", "sweep preset name (grokscope presets) or a .yaml/.json sweep spec")
    .option("--workers <n>", "runs trained side by side on this machine (default: the number of cores)")
    .option("--set <key=value>", "override a key of the base run spec, e.g. steps=2000 (repeatable)", collect, [])
    .option("--axis <key=values>", "replace or add an axis, e.g. optimizer.weight_decay=[0.01,0.1] (repeatable)", collect, [])
    .option("--seeds <n>", "seeds 1..n (replaces the spec's seeds)")
    .option("--name <name>", "record the sweep under this name (default: the spec's)")
    .option("--no-batch", "train every run alone instead of batching runs of the same shape (results are identical)")
    .option("--new", "delete a sweep of the same name and start over (needed when its spec changed)")
    .option("--queue <url>", "queue the runs on Redis for `grokscope worker`s on any machine, wait, and record their results")
    .option("--runs-dir <dir>", "where run directories go (default <data-dir>/sweeps/<name>); with --queue, a folder every worker can reach lets a retried run resume from its checkpoints")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .option("--quiet", "no progress output")
    .action(async (ref: string, o: { workers?: string; set: string[]; axis: string[]; seeds?: string; name?: string; new?: boolean; queue?: string; runsDir?: string; dataDir?: string; quiet?: boolean; batch: boolean }) => {
      const dataDir = dataDirFrom(o.dataDir);
      const workers = o.workers === undefined ? undefined : parseWorkers("--workers", o.workers);
      if (workers !== undefined && o.queue !== undefined) throw new SpecError("--workers and --queue: give one (with --queue, the runs train on `grokscope worker`s)");
      let raw = applyAxes(await readSweepSpec(ref), o.axis);
      if (o.seeds !== undefined) raw = { ...raw, seeds: parseCount("--seeds", o.seeds) };
      if (o.name !== undefined) raw = { ...raw, name: o.name };
      const sweep = normalizeSweep(raw, { overrides: (base) => applyOverrides(base, o.set) });
      const queue = o.queue === undefined ? undefined : parseQueueUrl(o.queue);
      if (queue !== undefined) await checkRedis(queue); // before the store is touched
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      process.once("SIGTERM", () => abort.abort());
      const t0 = performance.now();
      const session = await openSweepSession(sweep, { dataDir, runsDir: o.runsDir === undefined ? undefined : resolve(o.runsDir), fresh: o.new === true, specJson: storedSweepSpec(raw, sweep), classify: runClassifier(sweep.classify) });
      let outcome;
      const failedKeys: string[] = [];
      try {
        if (!o.quiet && session.resumed) process.stderr.write(`sweep "${sweep.name}": continuing, ${session.refs.length - session.jobs.length}/${session.refs.length} runs already done\n`);
        const reporter = o.quiet ? undefined : sweepReporter(sweep.name);
        const onProgress = (p: SweepProgress): void => {
          if (p.last?.how === "failed") failedKeys.push(p.last.runKey);
          reporter?.(p);
        };
        outcome =
          queue !== undefined
            ? await runSweepDistributed(session, { url: queue, signal: abort.signal, onProgress, log: o.quiet ? undefined : (line) => process.stderr.write(`${line}\n`) })
            : await runSweepLocal(session, { workers, batch: o.batch, signal: abort.signal, onProgress });
      } finally {
        await session.close();
      }
      if (!o.quiet && process.stderr.isTTY) process.stderr.write("\n");
      const summary = {
        sweep: sweep.name,
        total: session.refs.length,
        done: session.refs.length - session.jobs.length + outcome.trained,
        trained_now: outcome.trained,
        failed: outcome.failed,
        interrupted: outcome.interrupted,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        data_dir: dataDir,
      };
      process.stdout.write(JSON.stringify(summary) + "\n");
      if (outcome.interrupted) process.exitCode = 130;
      else if (outcome.failed > 0) {
        const shown = failedKeys.slice(0, 10).join(", ") + (failedKeys.length > 10 ? ", …" : "");
        process.stderr.write(`grokscope: sweep "${sweep.name}": ${outcome.failed} run${outcome.failed === 1 ? "" : "s"} failed${shown ? `: ${shown}` : ""}\n`);
        process.exitCode = 1;
      }
    });
}
