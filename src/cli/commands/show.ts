import { Command } from "commander";
import { openStore } from "../../runs/store.js";
import { SpecError } from "../../runs/spec.js";
import { existsSync } from "node:fs";
import { dataDirFrom } from "../data-dir.js";
import { shownStatus } from "../../runs/run-lock.js";
import { slingshotAnalysis } from "../../measures/dynamics/slingshot.js";
import { llcRecordSteps, readLlcRecords } from "../../runs/llc-records.js";
import { formatLlcRecords } from "../../measures/llc/record.js";

export function showCommand(): Command {
  return new Command("show")
    .description("summary, spec and final measures of one run")
    .argument("<run>", "run id or unique prefix")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .option("--json", "print the run record as JSON")
    .option("--slingshot", "Slingshot analysis (Thilak et al. 2022): spikes of the last layer's weight norm after the fit, and the test-accuracy jumps they precede (needs weights/norm)")
    .option("--llc", "the LLC estimates the run saved (llc/step_*.json): value, diagnostics and hyper-parameters per step; with --json every record, loss traces included")
    .action(async (ref: string, o: { dataDir?: string; json?: boolean; slingshot?: boolean; llc?: boolean }) => {
      const dataDir = dataDirFrom(o.dataDir);
      if (!existsSync(dataDir)) throw new SpecError(`run "${ref}" not found: no run store at ${dataDir}`);
      const store = await openStore(dataDir);
      try {
        const r = await store.getRun(ref);
        const keys = await store.metricKeys(r.runId);
        if (o.slingshot) {
          let analysis;
          try {
            analysis = slingshotAnalysis(await store.getMetrics(r.runId));
          } catch (e) {
            throw new SpecError(`run "${r.runId}": ${(e as Error).message}`);
          }
          if (o.json) process.stdout.write(JSON.stringify(analysis) + "\n");
          else {
            const lines = [`slingshot  ${r.runId}: ${analysis.count} spike(s) of ${analysis.normKey} after the fit at step ${analysis.fitStep}`];
            analysis.spikes.forEach((sp, i) => lines.push(`  spike ${i}: steps ${sp.step}–${sp.end}, norm ${sp.normBefore.toPrecision(4)} → ${sp.normAfter.toPrecision(4)} (×${sp.growth.toFixed(2)}), train loss ${sp.lossBefore.toExponential(2)} → peak ${sp.lossPeak.toExponential(2)}`));
            for (const j of analysis.jumps) lines.push(`  test accuracy ${(100 * j.from).toFixed(1)}% → ${(100 * j.to).toFixed(1)}% over steps ${j.step}–${j.end}${j.spike === null ? ", no spike before it" : `, after spike ${j.spike}`}`);
            process.stdout.write(lines.join("\n") + "\n");
          }
          return;
        }
        if (o.llc) {
          const records = await readLlcRecords(r.runDir);
          if (records.length === 0) throw new SpecError(`run "${r.runId}": no LLC records in ${r.runDir} (train with --measures llc, or add them with grokscope measure ${r.runId} --measures llc)`);
          if (o.json) for (const rec of records) process.stdout.write(JSON.stringify(rec) + "\n");
          else process.stdout.write(`llc       ${r.runId}\n` + formatLlcRecords(records) + "\n");
          return;
        }
        const shown = shownStatus(r);
        const record = { run_id: r.runId, preset: r.preset, ...shown, step: r.step, steps: r.steps, seed: r.seed, created_at: r.createdAt, updated_at: r.updatedAt, run_dir: r.runDir, metric_keys: keys, summary: r.summary, spec: r.spec };
        if (o.json) {
          process.stdout.write(JSON.stringify(record) + "\n");
          return;
        }
        const s = (r.summary ?? {}) as Record<string, unknown>;
        const lines = [
          `run       ${r.runId}  (${shown.stale ? "killed (stale: its trainer is gone; continue with --resume)" : r.status}, step ${r.step}/${r.steps}, seed ${r.seed})`,
          `preset    ${r.preset}`,
          `directory ${r.runDir}`,
        ];
        if (r.summary) {
          const pct = (x: unknown) => (typeof x === "number" ? `${(100 * x).toFixed(2)}%` : "—");
          lines.push(`accuracy  train ${pct(s.train_acc)}  test ${pct(s.test_acc)}`);
          const num = (x: unknown) => (typeof x === "number" ? x.toExponential(3) : "—");
          lines.push(`loss      train ${num(s.train_loss)}  test ${num(s.test_loss)}`);
          lines.push(`memorized step ${s.memorize_step ?? "—"}   grokked step ${s.grok_step ?? "—"}   delay ${s.grok_delay ?? "—"}`);
          const fm = (s.final_measures ?? {}) as Record<string, number | null>; // NaN and ±Inf are null in JSON
          for (const [k, v] of Object.entries(fm)) lines.push(`  ${k.padEnd(28)} ${typeof v !== "number" ? "—" : Number.isInteger(v) ? v : v.toPrecision(5)}`);
        }
        lines.push(`metrics   ${keys.join(", ")}`);
        const llcSteps = await llcRecordSteps(r.runDir);
        if (llcSteps.length > 0) lines.push(`llc       ${llcSteps.length} estimate(s) with traces and hyper-parameters in llc/ (grokscope show ${r.runId} --llc)`);
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        await store.close();
      }
    });
}
