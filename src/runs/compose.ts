import { resolve } from "node:path";
import { applyOverrides } from "./overrides.js";
import { PRESETS, presetSpec } from "./presets/index.js";
import { normalizeSpec, type RunConfig } from "./spec.js";

type Loose = Readonly<Record<string, unknown>>;

/**
 * A run spec as written by hand (the keys of the README's "Specs and overrides"): it may name a `preset`, whose spec
 * its own keys then override, objects merged key by key (`optimizer: { weight_decay: 0 }` keeps the preset's lr).
 * `normalizeSpec` validates it and fills every default.
 */
export interface RunSpec {
  readonly preset?: string | null;
  readonly description?: string | null;
  readonly seed?: number;
  readonly data_seed?: number | null;
  readonly steps?: number;
  readonly task?: Loose;
  readonly model?: Loose;
  readonly loss?: string;
  readonly optimizer?: Loose;
  readonly schedule?: Loose;
  readonly grokfast?: Loose | null;
  readonly batch_size?: number | null;
  readonly eval?: Loose;
  readonly checkpoint_every?: number;
  readonly checkpoint_log_points?: number | null;
  readonly measures?: readonly string[];
  readonly measure_settings?: Loose;
  readonly init_from?: { readonly run: string; readonly step?: number | null } | null;
  readonly acc_threshold?: number;
  readonly backend?: "auto" | "wasm" | "js" | "js64";
  readonly threads?: number;
}

/** What the CLI's flags change on top of a spec, in the order applied: `--set`, `--steps`, `--measures`, `--seed`. */
export interface SpecChanges {
  /** Dotted `key=value` overrides, the value read as YAML (`optimizer.weight_decay=0.01`). */
  readonly set?: readonly string[];
  readonly steps?: number;
  readonly measures?: readonly string[];
  readonly seed?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Top-level keys a layer gives whole. An evaluation cadence is one setting: `eval: { every: 500 }` over a preset with
 * `{ every: 100, log_points: 40 }` means "every 500", not the union with the preset's log-spaced points.
 */
const WHOLE_KEYS: ReadonlySet<string> = new Set(["eval"]);

/** `over` merged onto `base`: objects key by key (`eval` replaced whole), everything else (arrays included) replaced. */
export function mergeSpec(base: Loose, over: Loose): Record<string, unknown> {
  return mergeInto(base, over, true);
}

function mergeInto(base: Loose, over: Loose, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(v) && isObject(b) && !(top && WHOLE_KEYS.has(k)) ? mergeInto(b, v, false) : v;
  }
  return out;
}

/** The spec with its preset's keys filled in (a spec naming no preset is returned as a copy). */
export function withPreset(spec: RunSpec | Loose): Record<string, unknown> {
  const own = structuredClone(spec) as Record<string, unknown>;
  return typeof own.preset === "string" ? mergeSpec(presetBase(own.preset, own), own) : own;
}

/**
 * The preset's spec that `own` is merged onto. A user's model module in `own` replaces the preset's model whole, and
 * with it what the preset says about that model: its description and the measures chosen for it (the preset's data,
 * loss and optimizer stay). Run specs and sweep specs start from their preset this way.
 */
export function presetBase(preset: string, own: Loose): Record<string, unknown> {
  const base = presetSpec(preset);
  if (isObject(own.model) && "module" in own.model) for (const k of ["model", "description", "measures"]) delete base[k];
  return base;
}

/** A hand-written spec, its preset filled in and the changes applied, normalized. Throws SpecError naming the key. */
export function composeSpec(spec: RunSpec | Loose, changes: SpecChanges = {}): RunConfig {
  let s = applyOverrides(withPreset(spec), changes.set ?? []);
  if (changes.steps !== undefined) s = { ...s, steps: changes.steps };
  if (changes.measures !== undefined) s = { ...s, measures: [...changes.measures] };
  if (changes.seed !== undefined) s = { ...s, seed: changes.seed };
  return normalizeSpec(s);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Every run preset by name, as the spec `grokscope presets <name>` prints (frozen; spread it to change keys). */
export const presets: Readonly<Record<string, RunSpec>> = deepFreeze(Object.fromEntries(Object.keys(PRESETS).map((name) => [name, presetSpec(name) as RunSpec])));

/** The run store's directory: `dir`, else $GROKSCOPE_DATA, else ./runs (absolute). */
export function resolveDataDir(dir?: string): string {
  return resolve(dir ?? process.env.GROKSCOPE_DATA ?? "runs");
}
