import { parse as parseYaml } from "yaml";
import { SpecError } from "./spec.js";

/** Parses `key.path=value`; the value is read as a YAML scalar or flow collection (0.01, true, [0.9, 0.98], adamw). */
export function parseOverride(text: string): { path: string[]; value: unknown } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new SpecError(`--set ${text}: expected key=value (e.g. optimizer.weight_decay=0.01)`);
  const path = text.slice(0, eq).trim().split(".");
  if (path.some((k) => k === "" || k === "__proto__" || k === "constructor" || k === "prototype")) throw new SpecError(`--set ${text}: bad key path "${text.slice(0, eq)}"`);
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw.trim() === "" ? "" : parseYaml(raw);
  } catch {
    throw new SpecError(`--set ${path.join(".")}: cannot read value "${raw}"`);
  }
  return { path, value };
}

/**
 * A copy of `spec` with `value` at `path`. Missing intermediate objects are created (the schema then rejects a key
 * that does not exist, naming it); setting inside a non-object value is an error.
 */
export function applyOverride(spec: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(spec);
  let node: Record<string, unknown> = out;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    const next = node[k];
    if (next === undefined || next === null) node[k] = {};
    else if (typeof next !== "object" || Array.isArray(next)) throw new SpecError(`--set ${path.join(".")}: "${path.slice(0, i + 1).join(".")}" is not an object`);
    node = node[k] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return out;
}

/**
 * `spec` with every `key=value` applied in order. The evaluation cadence is one setting: the first `eval.<key>`
 * override starts it afresh, so `--set eval.every=500` on a preset that also has `eval.log_points` evaluates every 500
 * steps only (give both keys for the union).
 */
export function applyOverrides(spec: Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  let out = spec;
  let cadenceGiven = false;
  for (const s of sets) {
    const { path, value } = parseOverride(s);
    if (path[0] === "eval" && path.length > 1 && !cadenceGiven) out = { ...out, eval: {} };
    if (path[0] === "eval") cadenceGiven = true;
    out = applyOverride(out, path, value);
  }
  return out;
}
