import { access } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { customModelDefinition, isModelModuleLoaded, registerModelModule } from "../models/custom.js";
import type { ModelConfig } from "../models/registry.js";
import { SpecError, type RunConfig } from "./spec.js";

/**
 * Loads the user model module a config names (`model.module`, an absolute path after normalization) so the model can
 * be built. Every place that builds a run's model from its config calls this first: training, resume, measures,
 * interventions, sweep workers (local threads and distributed workers resolve the same recorded path, and refuse with
 * this error when the file is not there on their machine).
 */
export async function loadModelModule(config: ModelConfig): Promise<void> {
  if (config.name !== "module" || isModelModuleLoaded(config.module)) return;
  const path = config.module;
  try {
    await access(path);
  } catch {
    throw new SpecError(`model.module: cannot read ${path} (a module path is relative to the spec file; a worker needs the file at the same path)`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new SpecError(`model.module: cannot load ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    registerModelModule(path, mod.default);
  } catch (e) {
    throw new SpecError((e as Error).message);
  }
}

/**
 * The config with a user model's keys completed from its module's `defaults` (the module is loaded), and the model's
 * own name (for run ids); other configs unchanged.
 */
export async function resolveModelDefaults(config: RunConfig): Promise<{ config: RunConfig; modelName: string | null }> {
  if (config.model.name !== "module") return { config, modelName: null };
  await loadModelModule(config.model);
  let resolved;
  try {
    resolved = customModelDefinition(config.model);
  } catch (e) {
    throw new SpecError((e as Error).message);
  }
  const model = Object.freeze({ name: "module" as const, module: config.model.module, ...resolved.config });
  const safe = resolved.definition.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+/, "").slice(0, 40);
  return { config: Object.freeze({ ...config, model }), modelName: safe || null };
}
