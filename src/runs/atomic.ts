/**
 * Atomic file replacement: write to a temporary name in the destination's directory, fsync, rename.
 * A reader sees either the old file or the complete new one, never a prefix; a crash mid-write
 * leaves at most a stray `.<name>.tmp-*` file beside the destination and the destination untouched.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A fresh temporary path beside `path` (same directory, so the final rename stays on one filesystem). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
}

/** fsync a file or directory by path; directories are best effort (some filesystems refuse). */
async function fsyncPath(path: string, isDir: boolean): Promise<void> {
  let fh;
  try {
    fh = await open(path, "r");
    await fh.sync();
  } catch (err) {
    if (!isDir) throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Runs `produce(tmpPath)`, which must create the complete file at tmpPath, then fsyncs it and renames it
 * over `path`. On any failure the temporary file is removed and the error rethrown; `path` is untouched.
 */
export async function replaceAtomically(path: string, produce: (tmpPath: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await produce(tmp);
    await fsyncPath(tmp, false);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncPath(dirname(path), true);
}

/** Writes `chunks` (concatenated) to `path` atomically. */
export async function writeFileAtomic(path: string, chunks: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const parts: readonly (string | Uint8Array)[] = typeof chunks === "string" || chunks instanceof Uint8Array ? [chunks] : chunks;
  await replaceAtomically(path, async (tmp) => {
    const fh = await open(tmp, "wx");
    try {
      for (const part of parts) await fh.writeFile(part); // writes the whole part at the current position
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

/**
 * `writeFileAtomic` for callers that cannot await (a measure writing its own file during an evaluation): creates the
 * parent directory, writes and fsyncs a temporary file, renames it over `path`.
 */
export function writeFileAtomicSync(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, "wx");
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dir = openSync(dirname(path), "r"); // the rename itself, best effort as in replaceAtomically
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // some filesystems refuse to fsync a directory
  }
}
