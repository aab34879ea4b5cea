import { Command } from "commander";
import { PRESETS } from "../../runs/presets/index.js";
import { SWEEP_PRESETS } from "../../sweeps/presets.js";
import { SpecError } from "../../runs/spec.js";

export function presetsCommand(): Command {
  return new Command("presets")
    .description("list the run and sweep presets, or print one's spec as JSON")
    .argument("[name]", "preset to print")
    .action((name?: string) => {
      if (name !== undefined) {
        const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : Object.hasOwn(SWEEP_PRESETS, name) ? SWEEP_PRESETS[name] : undefined;
        if (!p) throw new SpecError(`unknown preset "${name}"; known presets: ${[...Object.keys(PRESETS), ...Object.keys(SWEEP_PRESETS)].join(", ")}`);
        process.stdout.write(JSON.stringify(p.spec, null, 2) + "\n");
        return;
      }
      const w = Math.max(...[...Object.keys(PRESETS), ...Object.keys(SWEEP_PRESETS)].map((k) => k.length));
      process.stdout.write("runs (grokscope train <name>)\n");
      for (const [k, p] of Object.entries(PRESETS)) process.stdout.write(`  ${k.padEnd(w)}  ${p.describe}\n`);
      process.stdout.write("sweeps (grokscope sweep <name>)\n");
      for (const [k, p] of Object.entries(SWEEP_PRESETS)) process.stdout.write(`  ${k.padEnd(w)}  ${p.describe}\n`);
    });
}
