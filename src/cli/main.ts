import { Command, CommanderError } from "commander";
import { report } from "./errors.js";

/**
 * Each command's module, loaded only when needed: `grokscope train` does not load the web server, the Redis client
 * or the sweep machinery (start-up time is part of the time to a first grok).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  train: async () => (await import("./commands/train.js")).trainCommand(),
  measure: async () => (await import("./commands/measure.js")).measureCommand(),
  "llc-calibrate": async () => (await import("./commands/llc-calibrate.js")).llcCalibrateCommand(),
  construct: async () => (await import("./commands/construct.js")).constructCommand(),
  runs: async () => (await import("./commands/runs.js")).runsCommand(),
  show: async () => (await import("./commands/show.js")).showCommand(),
  export: async () => (await import("./commands/export.js")).exportCommand(),
  presets: async () => (await import("./commands/presets.js")).presetsCommand(),
  sweep: async () => (await import("./commands/sweep.js")).sweepCommand(),
  sweeps: async () => (await import("./commands/sweeps.js")).sweepsCommand(),
  phases: async () => (await import("./commands/phases.js")).phasesCommand(),
  predict: async () => (await import("./commands/predict.js")).predictCommand(),
  worker: async () => (await import("./commands/worker.js")).workerCommand(),
  serve: async () => (await import("./commands/serve.js")).serveCommand(),
  prune: async () => (await import("./commands/prune.js")).pruneCommand(),
  intervene: async () => (await import("./commands/intervene.js")).interveneCommand(),
};

/** The CLI with the command `argv` names (every command when it names none of them, for help and suggestions). */
export async function program(argv: readonly string[] = []): Promise<Command> {
  const p = new Command("grokscope")
    .description("a laboratory for grokking: reproduce, measure and map delayed generalization")
    .version("0.1.0")
    .showHelpAfterError(false)
    .exitOverride();
  const named = argv[2];
  const names = named !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const c of await Promise.all(names.map((n) => COMMANDS[n]()))) p.addCommand(c.exitOverride());
  return p;
}

/** Runs the CLI; resolves to the exit code. Errors print one line, no stack (GROKSCOPE_DEBUG=1 adds it). */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await program(argv)).parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0; // a command may set it (130: stopped by Ctrl-C)
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed its own one-line message
    return report(e);
  }
}
