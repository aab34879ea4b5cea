import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { presetSpec } from "../runs/presets/index.js";
import { SpecError } from "../runs/spec.js";

/**
 * A spec file (JSON or YAML). It may name a `preset` to start from; its own keys then override the preset's
 * (objects merged key by key, so `optimizer: {weight_decay: 0}` keeps the preset's lr).
 */
export async function readSpecFile(path: string): Promise<Record<string, unknown>> {
  const own = resolveModelModule(await readYamlMapping(path, "spec"), path);
  if (typeof own.preset !== "string") return own;
  const base = presetSpec(own.preset);
  // a user model replaces the preset's model whole: the preset's keys belong to another model
  if (isModuleModel(own.model)) delete base.model;
  return merge(base, own);
}

/** A spec's `model.module` path is relative to the spec file's folder: make it absolute before anything else reads it. */
export function resolveModelModule(spec: Record<string, unknown>, specPath: string): Record<string, unknown> {
  const model = spec.model as { module?: unknown } | undefined;
  if (!model || typeof model !== "object" || typeof model.module !== "string" || isAbsolute(model.module)) return spec;
  return { ...spec, model: { ...model, module: resolve(dirname(specPath), model.module) } };
}

function isModuleModel(model: unknown): boolean {
  return typeof model === "object" && model !== null && "module" in model;
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
  if (/\.json$/i.test(path)) {
    try {
      spec = JSON.parse(text); // strict: YAML would accept trailing commas and comments in a .json file
    } catch (e) {
      throw new SpecError(`${path}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
    }
  } else {
    try {
      spec = parseYaml(text);
    } catch (e) {
      throw new SpecError(`${path}: not valid YAML/JSON (${(e as Error).message.split("\n")[0]})`);
    }
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new SpecError(`${path}: a ${what === "spec" ? "spec" : "sweep spec"} must be a mapping of keys to values`);
  return spec as Record<string, unknown>;
}
