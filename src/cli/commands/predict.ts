import { Command } from "commander";
import { existsSync } from "node:fs";
import { SpecError } from "../../runs/spec.js";
import { openStore } from "../../runs/store.js";
import { evaluateEarlyWarning, formatEarlyWarningReport, type EarlyWarningCutoff, type EarlyWarningGroupBy } from "../../sweeps/early-warning/index.js";
import { loadSweepResults } from "../../sweeps/sweep-store.js";
import { dataDirFrom } from "../data-dir.js";
import { parseCount } from "../parse.js";

function parseFraction(text: string): number {
  const f = Number(text);
  if (!Number.isFinite(f) || f <= 0 || f >= 1) throw new SpecError(`--cutoff: expected a fraction of the run in (0, 1), got "${text}"`);
  return f;
}

export function predictCommand(): Command {
  return new Command("predict")
    .description("grok early warning: from the first part of each run of a sweep, predict whether and when it groks; scored on held-out runs")
    .argument("<sweep>", "sweep name (grokscope sweeps lists them)")
    .option("--cutoff <fraction>", "use each run's first fraction of steps (default 0.25)")
    .option("--cutoff-step <n>", "use each run up to this step")
    .option("--after-memorize <k>", "use each run up to k steps after it memorized (train acc ≥ 99%)")
    .option("--folds <n>", "cross-validation folds (default 5)")
    .option("--group-by <what>", "what a fold holds out whole: seed, cell or run", "seed")
    .option("--json", "print the report as one JSON object")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .action(async (name: string, o: { cutoff?: string; cutoffStep?: string; afterMemorize?: string; folds?: string; groupBy: string; json?: boolean; dataDir?: string }) => {
      const given = [o.cutoff, o.cutoffStep, o.afterMemorize].filter((x) => x !== undefined).length;
      if (given > 1) throw new SpecError("--cutoff, --cutoff-step, --after-memorize: give one");
      if (!["seed", "cell", "run"].includes(o.groupBy)) throw new SpecError(`--group-by: expected seed, cell or run, got "${o.groupBy}"`);
      const cutoff: EarlyWarningCutoff =
        o.cutoffStep !== undefined ? { step: parseCount("--cutoff-step", o.cutoffStep) } : o.afterMemorize !== undefined ? { after_memorize: parseCount("--after-memorize", o.afterMemorize) } : { fraction: o.cutoff === undefined ? 0.25 : parseFraction(o.cutoff) };
      const folds = o.folds === undefined ? undefined : parseCount("--folds", o.folds);
      if (folds !== undefined && folds < 2) throw new SpecError("--folds: must be ≥ 2");
      const dataDir = dataDirFrom(o.dataDir);
      if (!existsSync(dataDir)) throw new SpecError(`no sweep "${name}": no run store at ${dataDir}`);
      const store = await openStore(dataDir);
      let results;
      try {
        results = await loadSweepResults(store, name);
      } finally {
        await store.close();
      }
      if (results.length < 4) throw new SpecError(`sweep "${name}" has ${results.length} finished runs; early warning needs at least 4 to train and hold out`);
      let report;
      try {
        report = evaluateEarlyWarning(results, { cutoff, folds, group_by: o.groupBy as EarlyWarningGroupBy });
      } catch (e) {
        throw new SpecError((e as Error).message);
      }
      if (o.json) process.stdout.write(JSON.stringify(report) + "\n");
      else process.stdout.write(formatEarlyWarningReport(report, { runs: true }) + "\n");
    });
}
