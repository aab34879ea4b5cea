import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { SpecError } from "../runs/spec.js";

/** A spec's `model.module` path is relative to the spec file's folder: make it absolute before anything else reads it. */
export function resolveModelModule(spec: Record<string, unknown>, specPath: string): Record<string, unknown> {
  const model = spec.model as { module?: unknown } | undefined;
  if (!model || typeof model !== "object" || typeof model.module !== "string" || isAbsolute(model.module)) return spec;
  return { ...spec, model: { ...model, module: resolve(dirname(specPath), model.module) } };
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
