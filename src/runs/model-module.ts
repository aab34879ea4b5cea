import { access } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { isModelModuleLoaded, registerModelModule } from "../models/custom.js";
import type { ModelConfig } from "../models/registry.js";
import { SpecError } from "./spec.js";

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
