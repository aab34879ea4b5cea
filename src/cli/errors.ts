import { SpecError } from "../runs/spec.js";
import { StoreError } from "../runs/store.js";

/** An error whose message is meant for the user as is (bad input, missing run): exit code 2, no stack. */
export class UsageError extends Error {}

export function exitCodeFor(e: unknown): number {
  return e instanceof UsageError || e instanceof SpecError || e instanceof StoreError ? 2 : 1;
}

export function report(e: unknown): number {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`grokscope: ${msg}\n`);
  if (process.env.GROKSCOPE_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + "\n");
  return exitCodeFor(e);
}
