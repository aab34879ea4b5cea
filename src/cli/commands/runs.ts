import { Command } from "commander";
import { existsSync } from "node:fs";
import { openStore, RUN_STATUSES, type RunRecord, type RunStatus } from "../../runs/store.js";
import { SpecError } from "../../runs/spec.js";
import { dataDirFrom } from "../data-dir.js";
import { shownStatus } from "../../runs/run-lock.js";
import { parseCount } from "../parse.js";

function fmtAcc(x: unknown): string {
  return typeof x === "number" ? `${(100 * x).toFixed(1)}%` : "—";
}

export function formatRunTable(runs: readonly RunRecord[]): string {
  const rows = runs.map((r) => {
    const s = (r.summary ?? {}) as Record<string, unknown>;
    const shown = shownStatus(r);
    return [r.runId, shown.stale ? "killed (stale)" : shown.status, `${r.step}/${r.steps}`, fmtAcc(s.train_acc), fmtAcc(s.test_acc), String(s.grok_step ?? "—"), r.createdAt.toISOString().slice(0, 19).replace("T", " ")];
  });
  const head = ["run_id", "status", "step", "train", "test", "grok_step", "created"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export function runsCommand(): Command {
  return new Command("runs")
    .description("list recorded runs, newest first")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .option("--preset <name>", "only runs of this preset")
    .option("--status <status>", `only runs with this status (${RUN_STATUSES.join(", ")})`)
    .option("--limit <n>", "at most n runs")
    .option("--json", "one JSON object per line")
    .action(async (o: { dataDir?: string; preset?: string; status?: string; limit?: string; json?: boolean }) => {
      const dataDir = dataDirFrom(o.dataDir);
      if (o.status !== undefined && !RUN_STATUSES.includes(o.status as RunStatus)) throw new SpecError(`--status: expected one of ${RUN_STATUSES.join(", ")}, got "${o.status}"`);
      if (!existsSync(dataDir)) {
        process.stderr.write(`no runs yet (no store at ${dataDir})\n`);
        return;
      }
      const store = await openStore(dataDir);
      try {
        const runs = await store.listRuns({ preset: o.preset, status: o.status as RunStatus | undefined, limit: o.limit === undefined ? undefined : parseCount("--limit", o.limit) });
        if (o.json) for (const r of runs) process.stdout.write(JSON.stringify({ run_id: r.runId, preset: r.preset, ...shownStatus(r), step: r.step, steps: r.steps, seed: r.seed, created_at: r.createdAt, run_dir: r.runDir, summary: r.summary }) + "\n");
        else process.stdout.write(formatRunTable(runs) + "\n");
      } finally {
        await store.close();
      }
    });
}
