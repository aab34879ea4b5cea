import { SpecError } from "../runs/spec.js";

export function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new SpecError(`${flag}: expected a whole number ≥ 0, got "${text}"`);
  return n;
}

export function parseSeed(text: string): number {
  return parseCount("--seed", text);
}

/** Runs side by side in one process (each a worker thread with its own model): far above any machine's cores. */
export const MAX_WORKERS = 256;

/** --workers / --concurrency: a whole number in [1, MAX_WORKERS]. */
export function parseWorkers(flag: string, text: string): number {
  const n = parseCount(flag, text);
  if (n === 0) throw new SpecError(`${flag}: must be ≥ 1`);
  if (n > MAX_WORKERS) throw new SpecError(`${flag}: ${n} is above the bound ${MAX_WORKERS}`);
  return n;
}
