import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import { runJsonPathFor } from "../runs/export.js";
import { SpecError } from "../runs/spec.js";
import { STORE_FILE } from "../runs/store.js";

/** `path` with its deepest existing ancestor resolved through symlinks (the file itself may not exist yet). */
function realish(path: string): string {
  const abs = resolve(path);
  let dir = abs;
  const rest: string[] = [];
  while (!existsSync(dir) && dirname(dir) !== dir) {
    rest.unshift(basename(dir));
    dir = dirname(dir);
  }
  try {
    return join(realpathSync(dir), ...rest);
  } catch {
    return abs;
  }
}

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * Refuses an export target that would destroy data or contradict itself: the store's files, anything inside a run
 * directory, an existing file (unless `force`), a directory, or an extension that names the other format.
 */
export function checkExportTarget(out: string, format: "parquet" | "csv", dataDir: string, runDirs: readonly string[], force: boolean): void {
  const ext = extname(out).toLowerCase();
  const other = format === "parquet" ? ".csv" : ".parquet";
  if (ext === other) throw new SpecError(`--out ${out}: the extension ${ext} contradicts --format ${format}`);
  const store = realish(join(dataDir, STORE_FILE));
  const protectedFiles = [store, `${store}.wal`];
  for (const target of [out, runJsonPathFor(out)]) {
    const t = realish(target);
    if (protectedFiles.includes(t) || (dirname(t) === dirname(store) && basename(t).startsWith(STORE_FILE))) throw new SpecError(`--out ${target}: refusing to overwrite the run store ${store}`);
    const runDir = runDirs.map(realish).find((d) => inside(t, d));
    if (runDir !== undefined) throw new SpecError(`--out ${target}: refusing to write inside the run directory ${runDir}`);
    if (existsSync(t)) {
      if (statSync(t).isDirectory()) throw new SpecError(`--out ${target}: is a directory`);
      if (!force) throw new SpecError(`--out ${target}: file exists (add --force to overwrite it)`);
    }
  }
}
