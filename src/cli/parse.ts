import { SpecError } from "../runs/spec.js";

export function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new SpecError(`${flag}: expected a whole number ≥ 0, got "${text}"`);
  return n;
}

export function parseSeed(text: string): number {
  return parseCount("--seed", text);
}
