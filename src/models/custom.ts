import type { ModelDefinition } from "./define.js";

/**
 * A user's model module named by a spec: `model: { module: "./my-model.mjs", width: 64 }`. The module is an ES module
 * whose default export is a forward-only model definition (`defineModel({...})`, define.ts). Its path is resolved
 * against the spec file's folder (or the working directory for `--set`) when the spec is normalized, and recorded
 * absolute; the other keys are the module's own config, merged over its `defaults`.
 * Loading the module is the run layer's job (an `import()` of user code, before the model is built); the web lab never
 * loads one.
 */
export interface CustomModelConfig {
  readonly name: "module";
  /** Absolute path of the module. */
  readonly module: string;
  readonly [key: string]: unknown;
}

export function isCustomModelInput(input: object): boolean {
  return "module" in input;
}

/** Joins and normalizes a POSIX path (no Node API: this layer also runs in the browser). */
export function resolvePath(baseDir: string, path: string): string {
  const parts = (path.startsWith("/") ? path : `${baseDir}/${path}`).split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return "/" + out.join("/");
}

export function customModelConfig(input: object, prefix: string, baseDir?: string): CustomModelConfig {
  const { module, name, ...rest } = input as { module?: unknown; name?: unknown };
  if (typeof module !== "string" || module.trim() === "") throw new Error(`${prefix}.module: must be the path of an ES module (.mjs or .js), got ${JSON.stringify(module)}`);
  if (name !== undefined && name !== "module") throw new Error(`${prefix}.name: a model given by "module" takes no name (got ${JSON.stringify(name)}); its definition names it`);
  if (!/\.(mjs|js)$/.test(module)) throw new Error(`${prefix}.module: ${module} is not an ES module file (.mjs or .js)`);
  if (!module.startsWith("/") && baseDir === undefined) throw new Error(`${prefix}.module: the relative path ${module} needs a spec file or working directory to resolve against`);
  return Object.freeze({ name: "module" as const, module: resolvePath(baseDir ?? "/", module), ...rest });
}

const loaded = new Map<string, ModelDefinition<Record<string, unknown>>>();

/** Checks a module's default export and makes it available to `buildModel` under its path. */
export function registerModelModule(path: string, exported: unknown): ModelDefinition<Record<string, unknown>> {
  const def = exported as Partial<ModelDefinition<Record<string, unknown>>> | null;
  if (typeof def !== "object" || def === null || typeof def.init !== "function" || typeof def.forward !== "function" || typeof def.name !== "string") {
    throw new Error(`model.module: ${path} must default-export a model definition (defineModel({ name, init, forward }))`);
  }
  loaded.set(path, def as ModelDefinition<Record<string, unknown>>);
  return def as ModelDefinition<Record<string, unknown>>;
}

export function isModelModuleLoaded(path: string): boolean {
  return loaded.has(path);
}

export function customModelDefinition(config: CustomModelConfig): { definition: ModelDefinition<Record<string, unknown>>; config: Record<string, unknown> } {
  const definition = loaded.get(config.module);
  if (!definition) throw new Error(`model.module: ${config.module} was not loaded before the model was built (user modules load only in grokscope's Node commands and library, never in the web lab)`);
  const { name: _n, module: _m, ...own } = config;
  const merged = { ...(definition.defaults ?? {}), ...own };
  for (const k of Object.keys(own)) {
    if (definition.defaults && !(k in definition.defaults)) throw new Error(`model.${k}: unknown key for model module ${config.module}; known keys: ${Object.keys(definition.defaults).join(", ") || "(none)"}`);
  }
  return { definition, config: merged };
}
