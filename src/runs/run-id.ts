import { SpecError } from "./spec.js";

/** Run ids and preset names become directory names: letters, digits, '.', '_' and '-' only, never "..". */
const SAFE_ID = /^[A-Za-z0-9._-]{1,200}$/;

export function isSafeId(id: string): boolean {
  return SAFE_ID.test(id) && !id.includes("..") && id !== ".";
}

/** Throws SpecError naming `what` unless `id` is in the safe alphabet. */
export function checkSafeId(what: string, id: string): string {
  if (!isSafeId(id)) throw new SpecError(`${what}: ${JSON.stringify(id.slice(0, 80))} must be letters, digits, '.', '_' or '-' (at most 200, no "..")`);
  return id;
}
