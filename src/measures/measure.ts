/**
 * A measure is a pure function of the model's state at one step: it reads the parameters (and, if it needs to, the
 * dataset and the model's forward pass) and returns one number or a record of numbers. Metric keys are namespaced
 * (`fourier/ipr`, `weights/norm/U`): a number is recorded under the measure's registry name, a record under its own keys.
 */
import type { z } from "zod";
import type { Model } from "../models/model.js";
import type { Dataset } from "../tasks/dataset.js";
import type { Backend } from "../tensor/backend.js";
import type { Key } from "../tensor/rng.js";
import type { Params } from "../tensor/tensor.js";
import type { Loss } from "../train/losses.js";
import type { SurfingSums } from "../train/surfing-tracker.js";

export interface MeasureContext {
  readonly params: Params;
  readonly data: Dataset;
  readonly model: Model;
  /** Updates taken so far (0 = initialization). */
  readonly step: number;
  /** The parameters at step 0 (relative weight change, lazy vs feature-learning regime), when known. */
  readonly init?: Params;
  /** The run's training loss (measures that need a loss landscape: restricted loss, LLC). */
  readonly loss?: Loss;
  /** The kernels the model computes with (measures that run extra forward passes allocate from it). */
  readonly backend?: Backend;
  /** A key for stochastic measures (SGLD): derive from it with fold(key, label), never share draws with training. */
  readonly key?: Key;
  /** Per-measure settings from the spec's `measure_settings` (e.g. `llc: { epsilon, chains, … }`). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** The per-step surfing sums up to `step`, when the run trains with the surfing tracker attached. */
  readonly surfing?: Readonly<SurfingSums> | null;
  /**
   * Writes a file of the measure's own into the run directory (a relative path such as "llc/step_00000100.json"),
   * atomically; absent outside a run (the web lab, tests, computeMeasures). Contents must be a function of the step
   * and the key, so a resumed run rewrites the same bytes.
   */
  readonly writeRunFile?: (relPath: string, text: string) => void;
  /** A one-line warning for the run's listener (stderr in the CLI), e.g. an estimate whose chains did not settle. */
  readonly onWarning?: (message: string) => void;
}

/**
 * A measure as registered: its name is its registry key (namespaced by topic, "fourier/ipr"), plus a one-line
 * `describe`, `compute`, and whether it can run on a given model and task. Settings, where a topic has any, belong to
 * its MeasureGroup.
 */
export interface MeasureDef {
  /** One line for `--help` and listings, with the paper it comes from. */
  readonly describe: string;
  /** Why the measure cannot run on this model and task (e.g. "needs a modular task"), or null when it can. */
  readonly appliesTo?: (model: Model, data: Dataset, params: Params) => string | null;
  /** false: computed only when named, never brought in by "all" (e.g. surfing, which needs a tracker set up before training). */
  readonly inAll?: boolean;
  readonly compute: Measure;
}

/**
 * One topic's measures, as its folder's index.ts exports them (src/measures/<topic>/index.ts); the registry holds one
 * line per group. Adding a measure to a topic is its file in the folder plus one line in the folder's index.ts; adding
 * a topic is a folder plus one line in registry.ts. A topic with settings is also named in src/runs/spec.ts's
 * MEASURE_SETTINGS (and its `measure_settings` keys), which does not read MEASURE_SETTINGS_SCHEMAS yet.
 */
export interface MeasureGroup {
  /** The measures by registry name. */
  readonly measures: Readonly<Record<string, MeasureDef>>;
  /**
   * Settings the group's measures read from the spec's `measure_settings.<key>` (ctx.settings[key]): a strict zod
   * schema with a `.default()` on every key, so parsing `{}` gives the settings a run that sets none uses.
   */
  readonly settings?: { readonly key: string; readonly schema: z.ZodType };
}

/** A measure asked of a run it does not apply to: a bad input, reported before anything is written. */
export class MeasureNotApplicable extends Error {}

export type MeasureValue = number | Readonly<Record<string, number>>;

export type Measure = (ctx: MeasureContext) => MeasureValue;

/** The tensor `name` of the context's params; the error names the measure, the model and the tensors it has. */
export function paramOf(ctx: MeasureContext, measure: string, name: string): Params[string] {
  const t = ctx.params[name];
  if (!t) throw new Error(`measure "${measure}": model "${ctx.model.name}" has no tensor "${name}" (it has ${Object.keys(ctx.params).join(", ")})`);
  return t;
}
