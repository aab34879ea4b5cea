/**
 * The model registry: every model a spec can name, one entry each — a strict zod schema for its config (snake_case
 * keys, as written in specs and `--set model.<key>=value`, with defaults), its forward-only definition (define.ts,
 * differentiated by autograd), and, only where the bench shows it pays, a hand-fused training path tested against the
 * definition's gradients, and a one-line `describe` for listings. The name is the entry's key (and the schema's
 * `name` literal). Adding a model is one file (its definition) plus one entry here: its schema, with a `.default()` on
 * every key so that the parsed config is the resolved one, and the `entry({ describe, schema, definition })` line.
 * A spec may instead name a user's model module (`model: { module: "./my-model.mjs", ... }`, see custom.ts).
 */
import { z } from "zod";
import type { Backend } from "../tensor/backend.js";
import type { Dataset } from "../tasks/dataset.js";
import { ACTIVATIONS } from "../tensor/kernels/activations.js";
import { embedMlpDefinition, EMBED_INITS, INIT_DRAWS } from "./embed-mlp.js";
import { fiveNeuronDefinition } from "./five-neuron.js";
import { createGromov, gromovDefinition, GROMOV_INITS } from "./gromov.js";
import { mlpDefinition, MLP_INITS } from "./mlp.js";
import type { Model } from "./model.js";
import { transformerDefinition } from "./transformer.js";
import { modelFromDefinition, type ModelDefinition } from "./define.js";
import { customModelConfig, customModelDefinition, isCustomModelInput, type CustomModelConfig } from "./custom.js";
import { describeIssue } from "../util/zod-issue.js";

const size = z.number().int("must be an integer").min(1, "must be ≥ 1");
const initScale = z.number().positive("must be > 0").finite();
const dropoutRate = z.number().min(0, "must be ≥ 0").lt(1, "must be < 1");

export const GromovModelSchema = z.strictObject({
  name: z.literal("gromov"),
  width: size.default(500), // N = 500: Gromov (2023), docs/reproductions.md R1
  init_scale: initScale.default(1),
  // absent = "normal" (kept out of the normalized spec, so earlier runs' specs are unchanged); "pytorch": nn.Linear's
  // uniform draws (Cullen et al. 2026's code)
  init: z.enum(GROMOV_INITS).optional(),
});

export const MlpModelSchema = z.strictObject({
  name: z.literal("mlp"),
  depth: size.default(1), // one hidden layer: PAIR sparse parity (R3)
  width: size.default(64), // hidden 64: R3
  activation: z.enum(ACTIVATIONS).default("relu"),
  bias: z.boolean().default(true), // R3 and R6 were measured with nn.Linear's bias
  init_scale: initScale.default(1),
  init: z.enum(MLP_INITS).default("pytorch"), // nn.Linear's; "haiku": hk.Linear's (truncated normal, zero bias)
  dropout: dropoutRate.default(0),
  single_logit: z.boolean().default(false), // two-class tasks: one output column, logits (0, z) (PAIR's sparse parity, R9)
});

export const EmbedMlpModelSchema = z.strictObject({
  name: z.literal("embed_mlp"),
  d_embed: size.default(500), // PAIR modular addition notebook (R5): embedding 500, hidden 24, tied
  width: size.default(24),
  activation: z.enum(ACTIVATIONS).default("relu"),
  tied_unembed: z.boolean().default(true),
  init_scale: initScale.default(1),
  embed_init: z.enum(EMBED_INITS).default("variance_scaling"),
  init_draw: z.enum(INIT_DRAWS).default("normal"), // "truncated_normal": Haiku's ±2σ draws, as the notebook's
  dropout: dropoutRate.default(0),
});

export const FiveNeuronModelSchema = z.strictObject({
  name: z.literal("five_neuron"),
  neurons: size.default(5), // R4
  init_scale: initScale.default(1),
});

export const TransformerModelSchema = z
  .strictObject({
    name: z.literal("transformer"),
    layers: size.max(16, "must be ≤ 16").default(1), // Nanda et al. (2023), R7: one layer, d_model 128, 4 heads, d_mlp 512
    d_model: size.default(128),
    heads: size.default(4),
    d_mlp: size.default(512),
    layer_norm: z.boolean().default(false), // R7 has none
    eq_token: z.boolean().default(true), // inputs [a, b, =]
    init_scale: initScale.default(1),
    dropout: dropoutRate.default(0),
  })
  .refine((c) => c.d_model % c.heads === 0, {
    path: ["heads"],
    message: "must divide d_model (d_head = d_model / heads must be an integer)",
  });

interface Entry<S extends z.ZodType> {
  /** One line for `--help` and listings, with the paper it comes from. */
  readonly describe: string;
  readonly schema: S;
  readonly definition: ModelDefinition<Omit<z.output<S>, "name">>;
  /** A hand-fused training path (same parameters, logits and gradients as the definition). */
  readonly fused?: (config: z.output<S>, data: Dataset, backend: Backend) => Model;
}

const entry = <S extends z.ZodType>(e: Entry<S>): Entry<S> => e;

export const MODEL_REGISTRY = {
  gromov: entry({
    describe: "two-layer quadratic network W (U e_a + V e_b)² without biases (Gromov 2023, \"Grokking modular arithmetic\")",
    schema: GromovModelSchema,
    definition: gromovDefinition,
    fused: (c, data, backend) => createGromov(c, data, backend),
  }),
  mlp: entry({
    describe: "multilayer perceptron on dense inputs (PAIR sparse parity) or concatenated one-hot tokens (Prieto et al. 2025)",
    schema: MlpModelSchema,
    definition: mlpDefinition,
  }),
  embed_mlp: entry({
    describe: "token embeddings summed through a shared linear map, one hidden layer, tied unembedding (PAIR's modular-addition MLP)",
    schema: EmbedMlpModelSchema,
    definition: embedMlpDefinition,
  }),
  five_neuron: entry({
    describe: "PAIR's five-neuron modular-addition model on a fixed circular embedding",
    schema: FiveNeuronModelSchema,
    definition: fiveNeuronDefinition,
  }),
  transformer: entry({
    describe: "decoder-only transformer reading the prediction at the last position (Power et al. 2022; Nanda et al. 2023)",
    schema: TransformerModelSchema,
    definition: transformerDefinition,
  }),
} as const;

export const MODEL_SCHEMAS = Object.fromEntries(Object.entries(MODEL_REGISTRY).map(([k, e]) => [k, e.schema])) as {
  readonly [N in keyof typeof MODEL_REGISTRY]: (typeof MODEL_REGISTRY)[N]["schema"];
};

export type ModelName = keyof typeof MODEL_REGISTRY;
/** A built-in model config with every key filled in (what a run records in its spec). */
export type BuiltinModelConfig = { [N in ModelName]: z.output<(typeof MODEL_REGISTRY)[N]["schema"]> }[ModelName];
/** A model config with every key filled in: a built-in model's, or a user module's. */
export type ModelConfig = BuiltinModelConfig | CustomModelConfig;
/** A loose model config as written in a spec: `name` plus any subset of the keys. */
export type ModelSpec = { [N in ModelName]: z.input<(typeof MODEL_REGISTRY)[N]["schema"]> }[ModelName];

export const MODEL_NAMES = Object.keys(MODEL_REGISTRY) as ModelName[];

function isModelName(name: unknown): name is ModelName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(MODEL_REGISTRY, name);
}

/**
 * Validate a loose model config (parsed JSON/YAML) and fill in defaults. Errors name the key as `<prefix>.<key>`,
 * e.g. "model.width: must be an integer"; unknown keys are errors. `baseDir` resolves a user module's relative path.
 */
export function parseModelConfig(input: unknown, prefix = "model", baseDir?: string): ModelConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new Error(`${prefix}: must be an object with a "name" (one of ${MODEL_NAMES.join(", ")}) or a "module"`);
  }
  if (isCustomModelInput(input)) return customModelConfig(input, prefix, baseDir);
  const name = (input as { name?: unknown }).name;
  if (!isModelName(name)) throw new Error(`${prefix}.name: unknown model ${JSON.stringify(name)}; known: ${MODEL_NAMES.join(", ")} (or give "module": a model module's path)`);
  const schema = MODEL_REGISTRY[name].schema;
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const keys = Object.keys((schema as unknown as { shape?: object }).shape ?? (schema as unknown as { def: { schema?: { shape: object } } }).def.schema?.shape ?? {});
    throw new Error(describeIssue(issue, prefix, keys, `model "${name}"`));
  }
  return Object.freeze(result.data) as ModelConfig;
}

/** The forward-only definition of a config's model and its config without `name` (for autograd, interventions). */
export function modelDefinition(config: ModelConfig): { definition: ModelDefinition<Record<string, unknown>>; config: Record<string, unknown> } {
  if (config.name === "module") return customModelDefinition(config);
  const { name, ...rest } = config;
  return { definition: MODEL_REGISTRY[name].definition as unknown as ModelDefinition<Record<string, unknown>>, config: rest };
}

export interface BuildOptions {
  /** Build the autograd model even where a hand-fused path exists (interventions, the fused path's tests). */
  readonly autograd?: boolean;
}

/** Build the model a (loose) config names, for `data` on `backend`. */
export function buildModel(input: { readonly name?: string } & Record<string, unknown>, data: Dataset, backend: Backend, opts: BuildOptions = {}): Model {
  const c = parseModelConfig(input);
  if (c.name !== "module" && !opts.autograd) {
    const fused = (MODEL_REGISTRY[c.name] as Entry<z.ZodType>).fused;
    if (fused) return fused(c, data, backend);
  }
  const { definition, config } = modelDefinition(c);
  return modelFromDefinition(definition, config, data, backend);
}
