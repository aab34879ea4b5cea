import { Command } from "commander";
import { existsSync } from "node:fs";
import { openStore } from "../../runs/store.js";
import { listSweeps } from "../../sweeps/sweep-store.js";
import { dataDirFrom } from "../data-dir.js";

export function sweepsCommand(): Command {
  return new Command("sweeps")
    .description("list recorded sweeps with their progress")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .option("--json", "one JSON object per line")
    .action(async (o: { dataDir?: string; json?: boolean }) => {
      const dataDir = dataDirFrom(o.dataDir);
      if (!existsSync(dataDir)) {
        process.stderr.write(`no sweeps yet (no store at ${dataDir})\n`);
        return;
      }
      const store = await openStore(dataDir);
      try {
        const sweeps = await listSweeps(store);
        for (const s of sweeps) {
          const axes = Object.entries((s.spec as { axes?: Record<string, unknown[]> }).axes ?? {}).map(([k, v]) => `${k} (${v.length})`);
          if (o.json) process.stdout.write(JSON.stringify({ name: s.name, total: s.total, done: s.done, failed: s.failed, axes: (s.spec as { axes?: unknown }).axes ?? {} }) + "\n");
          else process.stdout.write(`${s.name}  ${s.done}/${s.total} done${s.failed ? `, ${s.failed} failed` : ""}  axes: ${axes.join(" × ") || "none"}\n`);
        }
        if (!o.json && sweeps.length === 0) process.stderr.write(`no sweeps in ${store.file}\n`);
      } finally {
        await store.close();
      }
    });
}
