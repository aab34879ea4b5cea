import { Command, CommanderError } from "commander";
import { constructCommand } from "./commands/construct.js";
import { exportCommand } from "./commands/export.js";
import { runsCommand } from "./commands/runs.js";
import { showCommand } from "./commands/show.js";
import { trainCommand } from "./commands/train.js";
import { presetsCommand } from "./commands/presets.js";
import { measureCommand } from "./commands/measure.js";
import { sweepCommand } from "./commands/sweep.js";
import { workerCommand } from "./commands/worker.js";
import { phasesCommand } from "./commands/phases.js";
import { sweepsCommand } from "./commands/sweeps.js";
import { predictCommand } from "./commands/predict.js";
import { serveCommand } from "./commands/serve.js";
import { pruneCommand } from "./commands/prune.js";
import { interveneCommand } from "./commands/intervene.js";
import { report } from "./errors.js";

export function program(): Command {
  const p = new Command("grokscope")
    .description("a laboratory for grokking: reproduce, measure and map delayed generalization")
    .version("0.1.0")
    .showHelpAfterError(false)
    .exitOverride();
  for (const c of [trainCommand(), measureCommand(), constructCommand(), runsCommand(), showCommand(), exportCommand(), presetsCommand(), sweepCommand(), sweepsCommand(), phasesCommand(), predictCommand(), workerCommand(), serveCommand(), pruneCommand(), interveneCommand()]) p.addCommand(c.exitOverride());
  return p;
}

/** Runs the CLI; resolves to the exit code. Errors print one line, no stack (GROKSCOPE_DEBUG=1 adds it). */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0; // a command may set it (130: stopped by Ctrl-C)
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed its own one-line message
    return report(e);
  }
}
