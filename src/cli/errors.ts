import { SpecError } from "../runs/spec.js";
import { StoreError } from "../runs/store.js";
import { RunInterrupted } from "../runs/run.js";
import { QueueUnreachable } from "../sweeps/distributed/unreachable.js";

/** File-system refusals caused by the paths the user gave (--out, --data-dir): bad input, not a crash. */
const PATH_ERRORS = new Set(["EEXIST", "ENOTDIR", "EISDIR", "ENOENT", "EACCES", "EPERM", "ENAMETOOLONG", "EROFS"]);
const isPathError = (e: unknown): boolean => e instanceof Error && PATH_ERRORS.has(String((e as NodeJS.ErrnoException).code));

/** An error whose message is meant for the user as is (bad input, missing run): exit code 2, no stack. */
export class UsageError extends Error {}

export function exitCodeFor(e: unknown): number {
  if (e instanceof RunInterrupted) return 130;
  return e instanceof UsageError || e instanceof SpecError || e instanceof StoreError || e instanceof QueueUnreachable || isPathError(e) ? 2 : 1;
}

export function report(e: unknown): number {
  const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]; // one line, always
  if (process.stderr.isTTY) process.stderr.write("\n");
  process.stderr.write(`grokscope: ${msg}\n`);
  if (process.env.GROKSCOPE_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
  return exitCodeFor(e);
}
