import { Command } from "commander";
import { composeSpec } from "../../runs/compose.js";
import { resumeRun, startRun } from "../../runs/run.js";
import { SpecError } from "../../runs/spec.js";
import { dataDirFrom } from "../data-dir.js";
import { progressReporter } from "../progress.js";
import { parseCount, parseSeed } from "../parse.js";
import { readYamlMapping, resolveModelModule } from "../spec-file.js";

const collect = (v: string, prev: string[]) => [...prev, v];

export function trainCommand(): Command {
  return new Command("train")
    .description("train one run from a preset (or a spec file) and print its summary as one JSON line on stdout")
    .argument("[preset]", "preset name (grokscope presets) or a .json/.yaml spec file")
    .option("--set <key=value>", "override a spec key, e.g. optimizer.weight_decay=0.01 (repeatable)", collect, [])
    .option("--steps <n>", "number of training steps")
    .option("--seed <s>", "random seed (split, init, batches)")
    .option("--out <dir>", "run directory (default <data-dir>/<run_id>)")
    .option("--resume <run>", "continue a run from its last checkpoint (run id, id prefix or run directory)")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .option("--measures <list>", 'measures to compute at each evaluation, comma-separated names or namespaces, or "all" (replaces the preset\'s)')
    .option("--quiet", "no progress output")
    .action(async (preset: string | undefined, o: { set: string[]; measures?: string; steps?: string; seed?: string; out?: string; resume?: string; dataDir?: string; quiet?: boolean }) => {
      const dataDir = dataDirFrom(o.dataDir);
      const steps = o.steps === undefined ? undefined : parseCount("--steps", o.steps);
      const progress = o.quiet ? undefined : progressReporter(preset ?? "resume");
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const signal = abort.signal;
      const warn = (m: string) => process.stderr.write(`${process.stderr.isTTY ? "\n" : ""}warning: ${m}\n`);
      let summary;
      if (o.resume !== undefined) {
        if (preset !== undefined) throw new SpecError(`--resume ${o.resume}: a preset or spec ("${preset}") cannot be given with --resume (the run keeps its own spec)`);
        if (o.set.length > 0 || o.seed !== undefined || o.out !== undefined || o.measures !== undefined) throw new SpecError("--resume continues a run as it was specified: only --steps may change");
        summary = await resumeRun(o.resume, { dataDir, steps, signal, onProgress: progress?.update, onWarning: warn });
      } else {
        if (preset === undefined) throw new SpecError("train: name a preset (e.g. grokscope train gromov) or a spec file");
        const spec = /\.(json|ya?ml)$/i.test(preset) ? resolveModelModule(await readYamlMapping(preset, "spec"), preset) : { preset };
        const measures = o.measures?.split(",").map((m) => m.trim()).filter((m) => m !== "");
        const config = composeSpec(spec, { set: o.set, steps, measures, seed: o.seed === undefined ? undefined : parseSeed(o.seed) });
        summary = await startRun(config, { dataDir, outDir: o.out, signal, onProgress: progress?.update, onWarning: warn });
      }
      progress?.done();
      process.stdout.write(JSON.stringify(summary) + "\n");
    });
}
