import { Command } from "commander";
import { PRESETS } from "../../runs/presets/index.js";

export function presetsCommand(): Command {
  return new Command("presets")
    .description("list the presets, or print one's spec as JSON")
    .argument("[name]", "preset to print")
    .action((name?: string) => {
      if (name !== undefined) {
        const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
        if (!p) throw new Error(`unknown preset "${name}"; known presets: ${Object.keys(PRESETS).join(", ")}`);
        process.stdout.write(JSON.stringify(p.spec, null, 2) + "\n");
        return;
      }
      const w = Math.max(...Object.keys(PRESETS).map((k) => k.length));
      for (const [k, p] of Object.entries(PRESETS)) process.stdout.write(`${k.padEnd(w)}  ${p.describe}\n`);
    });
}
