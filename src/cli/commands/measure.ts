import { Command } from "commander";
import { measureRun } from "../../runs/measure-run.js";
import { dataDirFrom } from "../data-dir.js";
import { parseCount } from "../parse.js";
import { MEASURES } from "../../measures/registry.js";
import { SpecError } from "../../runs/spec.js";

export function measureCommand(): Command {
  const known = Object.entries(MEASURES).map(([k, m]) => `  ${k.padEnd(22)} ${m.describe}`).join("\n");
  return new Command("measure")
    .description("compute measures after the fact from a run's checkpoints; they join the run's metrics and final_measures")
    .argument("<run>", "run id, unique prefix or run directory")
    .requiredOption("--measures <list>", 'comma-separated measure names or namespaces (e.g. "fourier,weights/norm"), or "all"')
    .option("--every <k>", "only checkpoints at multiples of k steps (the last one always)")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .addHelpText("after", `\nMeasures:\n${known}`)
    .action(async (ref: string, o: { measures: string; every?: string; dataDir?: string }) => {
      const measures = o.measures.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (measures.length === 0) throw new SpecError("--measures: name at least one measure");
      const every = o.every === undefined ? undefined : parseCount("--every", o.every);
      if (every === 0) throw new SpecError("--every: must be ≥ 1");
      const result = await measureRun(ref, { dataDir: dataDirFrom(o.dataDir), measures, every, onStep: (step, done, total) => process.stderr.write(`measured step ${step} (${done}/${total})\n`), onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
      process.stdout.write(JSON.stringify(result) + "\n");
    });
}
