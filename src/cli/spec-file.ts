import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { presetSpec } from "../runs/presets/index.js";
import { SpecError } from "../runs/spec.js";

/**
 * A spec file (JSON or YAML). It may name a `preset` to start from; its own keys then override the preset's
 * (objects merged key by key, so `optimizer: {weight_decay: 0}` keeps the preset's lr).
 */
export async function readSpecFile(path: string): Promise<Record<string, unknown>> {
  const own = await readYamlMapping(path, "spec");
  if (typeof own.preset !== "string") return own;
  return merge(presetSpec(own.preset), own);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b) ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** A YAML/JSON file holding a mapping; errors name the file ("cannot read spec file x.yaml", "x.yaml: not valid …"). */
export async function readYamlMapping(path: string, what: "spec" | "sweep"): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new SpecError(`cannot read ${what} file ${path}`);
  }
  let spec: unknown;
  try {
    spec = parseYaml(text);
  } catch (e) {
    throw new SpecError(`${path}: not valid YAML/JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new SpecError(`${path}: a ${what === "spec" ? "spec" : "sweep spec"} must be a mapping of keys to values`);
  return spec as Record<string, unknown>;
}
