import { Command } from "commander";
import { pruneRun } from "../../runs/prune.js";
import { SpecError } from "../../runs/spec.js";
import { dataDirFrom } from "../data-dir.js";
import { parseCount } from "../parse.js";

/** `grokscope prune <run> --ipr-below X`: zero the memorizing (low-IPR) neurons, evaluate before and after. */
export function pruneCommand(): Command {
  return new Command("prune")
    .description("zero the neurons whose per-neuron Fourier IPR is below X (memorizing neurons, Doshi et al. 2024) and print test and train accuracy (clean/corrupted) before and after as one JSON line")
    .argument("<run>", "run id, unique prefix or run directory")
    .requiredOption("--ipr-below <x>", "IPR threshold in (0, 1]; neurons below it are zeroed")
    .option("--step <s>", "the checkpoint to prune (default: the last)")
    .option("--out <dir>", "write the pruned parameters (pruned.safetensors) and the result (prune.json) there")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .action(async (ref: string, o: { iprBelow: string; step?: string; out?: string; dataDir?: string }) => {
      const x = Number(o.iprBelow);
      if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(o.iprBelow) || Number.isNaN(x)) throw new SpecError(`--ipr-below: expected a number in (0, 1], got "${o.iprBelow}"`);
      const step = o.step === undefined ? undefined : parseCount("--step", o.step);
      const result = await pruneRun(ref, { dataDir: dataDirFrom(o.dataDir), iprBelow: x, step, outDir: o.out });
      process.stdout.write(JSON.stringify(result) + "\n");
    });
}
