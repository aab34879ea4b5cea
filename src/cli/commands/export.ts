import { Command } from "commander";
import { existsSync } from "node:fs";
import { exportRun } from "../../runs/export.js";
import { openStore } from "../../runs/store.js";
import { SpecError } from "../../runs/spec.js";
import { dataDirFrom } from "../data-dir.js";
import { checkExportTarget } from "../export-target.js";

export function exportCommand(): Command {
  return new Command("export")
    .description("write a run's metrics (long format: step, key, value) as Parquet or CSV, with a .run.json sidecar")
    .argument("<run>", "run id or unique prefix")
    .option("--format <format>", "parquet or csv", "parquet")
    .option("--out <file>", "output file (default <run_id>.<format> in the current directory)")
    .option("--force", "overwrite an existing output file")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .action(async (ref: string, o: { format: string; out?: string; dataDir?: string; force?: boolean }) => {
      if (o.format !== "parquet" && o.format !== "csv") throw new SpecError(`--format: expected parquet or csv, got "${o.format}"`);
      const dataDir = dataDirFrom(o.dataDir);
      if (!existsSync(dataDir)) throw new SpecError(`run "${ref}" not found: no run store at ${dataDir}`);
      const store = await openStore(dataDir);
      try {
        const run = await store.getRun(ref);
        const out = o.out ?? `${run.runId}.${o.format}`;
        const runDirs = [run.runDir, ...(await store.listRuns()).map((r) => r.runDir)];
        checkExportTarget(out, o.format, dataDir, runDirs, o.force === true);
        const res = await exportRun(store, run.runId, { format: o.format, out });
        process.stdout.write(JSON.stringify({ run_id: res.runId, rows: res.rows, metrics: res.metricsPath, run_json: res.runJsonPath }) + "\n");
      } finally {
        await store.close();
      }
    });
}
