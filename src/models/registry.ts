/**
 * The model registry: every model a spec can name, a strict zod schema for its config (snake_case keys, as written
 * in specs and `--set model.<key>=value`, with defaults) and its factory. Adding a model is one file plus one entry.
 */
import { z } from "zod";
import type { Backend } from "../tensor/backend.js";
import type { Dataset } from "../tasks/dataset.js";
import { ACTIVATIONS } from "./activations.js";
import { createEmbedMlp, EMBED_INITS } from "./embed-mlp.js";
import { createFiveNeuron } from "./five-neuron.js";
import { createGromov } from "./gromov.js";
import { createMlp } from "./mlp.js";
import type { Model } from "./model.js";
import { createTransformer } from "./transformer.js";
import { describeIssue } from "../util/zod-issue.js";

const size = z.number().int("must be an integer").min(1, "must be ≥ 1");
const initScale = z.number().positive("must be > 0").finite();

export const GromovModelSchema = z.strictObject({
  name: z.literal("gromov"),
  width: size.default(500), // N = 500: Gromov (2023), REPRODUCTIONS R1
  init_scale: initScale.default(1),
});

export const MlpModelSchema = z.strictObject({
  name: z.literal("mlp"),
  depth: size.default(1), // one hidden layer: PAIR sparse parity (R3)
  width: size.default(64), // hidden 64: R3
  activation: z.enum(ACTIVATIONS).default("relu"),
  bias: z.boolean().default(true), // R3 and R6 were measured with nn.Linear's bias
  init_scale: initScale.default(1),
});

export const EmbedMlpModelSchema = z.strictObject({
  name: z.literal("embed_mlp"),
  d_embed: size.default(500), // PAIR modular addition notebook (R5): embedding 500, hidden 24, tied
  width: size.default(24),
  activation: z.enum(ACTIVATIONS).default("relu"),
  tied_unembed: z.boolean().default(true),
  init_scale: initScale.default(1),
  embed_init: z.enum(EMBED_INITS).default("variance_scaling"),
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
  })
  .refine((c) => c.d_model % c.heads === 0, {
    path: ["heads"],
    message: "must divide d_model (d_head = d_model / heads must be an integer)",
  });

export const MODEL_SCHEMAS = {
  gromov: GromovModelSchema,
  mlp: MlpModelSchema,
  embed_mlp: EmbedMlpModelSchema,
  five_neuron: FiveNeuronModelSchema,
  transformer: TransformerModelSchema,
} as const;

export type ModelName = keyof typeof MODEL_SCHEMAS;
/** A model config with every key filled in (what a run records in its spec). */
export type ModelConfig = { [N in ModelName]: z.output<(typeof MODEL_SCHEMAS)[N]> }[ModelName];
/** A loose model config as written in a spec: `name` plus any subset of the keys. */
export type ModelSpec = { [N in ModelName]: z.input<(typeof MODEL_SCHEMAS)[N]> }[ModelName];

type Factory<N extends ModelName> = (config: Extract<ModelConfig, { name: N }>, data: Dataset, backend: Backend) => Model;

/** Model name → factory taking the snake_case config (the camelCase factories live next to each model). */
export const MODELS: { readonly [N in ModelName]: Factory<N> } = {
  gromov: (c, data, backend) => createGromov({ width: c.width, initScale: c.init_scale }, data, backend),
  mlp: (c, data, backend) =>
    createMlp({ depth: c.depth, width: c.width, activation: c.activation, bias: c.bias, initScale: c.init_scale }, data, backend),
  embed_mlp: (c, data, backend) =>
    createEmbedMlp(
      { dEmbed: c.d_embed, width: c.width, activation: c.activation, tiedUnembed: c.tied_unembed, initScale: c.init_scale, embedInit: c.embed_init },
      data,
      backend,
    ),
  five_neuron: (c, data, backend) => createFiveNeuron({ neurons: c.neurons, initScale: c.init_scale }, data, backend),
  transformer: (c, data, backend) =>
    createTransformer(
      { layers: c.layers, dModel: c.d_model, heads: c.heads, dMlp: c.d_mlp, layerNorm: c.layer_norm, eqToken: c.eq_token, initScale: c.init_scale },
      data,
      backend,
    ),
};

export const MODEL_NAMES = Object.keys(MODEL_SCHEMAS) as ModelName[];

function isModelName(name: unknown): name is ModelName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(MODEL_SCHEMAS, name);
}

/**
 * Validate a loose model config (parsed JSON/YAML) and fill in defaults. Errors name the key as `<prefix>.<key>`,
 * e.g. "model.width: must be an integer"; unknown keys are errors.
 */
export function parseModelConfig(input: unknown, prefix = "model"): ModelConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new Error(`${prefix}: must be an object with a "name" (one of ${MODEL_NAMES.join(", ")})`);
  }
  const name = (input as { name?: unknown }).name;
  if (!isModelName(name)) throw new Error(`${prefix}.name: unknown model ${JSON.stringify(name)}; known: ${MODEL_NAMES.join(", ")}`);
  const schema = MODEL_SCHEMAS[name];
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(describeIssue(issue, prefix, Object.keys(schema.shape), `model "${name}"`));
  }
  return Object.freeze(result.data) as ModelConfig;
}

/** Build the model a (loose) config names, for `data` on `backend`. */
export function buildModel(config: { readonly name: string } & Record<string, unknown>, data: Dataset, backend: Backend): Model {
  const c = parseModelConfig(config);
  switch (c.name) {
    case "gromov":
      return MODELS.gromov(c, data, backend);
    case "mlp":
      return MODELS.mlp(c, data, backend);
    case "embed_mlp":
      return MODELS.embed_mlp(c, data, backend);
    case "five_neuron":
      return MODELS.five_neuron(c, data, backend);
    case "transformer":
      return MODELS.transformer(c, data, backend);
  }
}
