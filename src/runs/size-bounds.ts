/**
 * Upper bounds on a run's size, checked from the normalized config before anything is allocated or written: each
 * size knob on its own (so a typo like model.width=1e15 is named), then an estimate of the bytes the run holds at
 * once — parameters with their gradient and optimizer state, the dataset, and the activations of the largest
 * forward/backward (a batch, or a whole split at evaluation). The estimate is coarse (within a small factor); its
 * job is refusing runs that could never fit, not budgeting the ones that do.
 */
import { SpecError } from "./spec.js";

export const MAX_RUN_BYTES = 4 * 2 ** 30;
export const MAX_STEPS = 1e9;
/** No single width, depth or count may exceed this (a bound far above any run this engine can train). */
export const MAX_KNOB = 1_000_000;
export const MAX_BATCH = 10_000_000;

type Obj = Readonly<Record<string, unknown>>;
const num = (o: Obj, k: string, fallback: number): number => (typeof o[k] === "number" ? (o[k] as number) : fallback);

/** Examples (train + test), input features, outputs and sequence length of a task config, without building it. */
export function taskShape(task: Obj): { examples: number; inputs: number; outputs: number; seq: number } {
  switch (task.name) {
    case "modular": {
      const p = num(task, "p", 97);
      return { examples: p * p, inputs: 2 * p, outputs: p, seq: 3 };
    }
    case "s5":
      return { examples: 120 * 120, inputs: 240, outputs: 120, seq: 3 };
    case "sparse_parity": {
      const bits = num(task, "n_bits", 40);
      return { examples: num(task, "n_train", 1000) + num(task, "n_test", 1000), inputs: bits, outputs: 2, seq: 1 };
    }
    case "mixture": {
      const p = num(task, "p", 47);
      const domains = Array.isArray(task.domains) ? task.domains.length : 2;
      return { examples: domains * p * p, inputs: 2 * (p + domains + 1), outputs: p, seq: 4 };
    }
    default: {
      // knowledge-graph tasks: a vocabulary of entities, relations/attributes and values
      const vocab = num(task, "entities", 100) + num(task, "relations", 0) + num(task, "attributes", 0) + num(task, "values", 0);
      const examples = num(task, "entities", 100) * (num(task, "relations", 0) + num(task, "attributes", 0) + 1) * 4 + num(task, "test_size", 500);
      return { examples, inputs: vocab, outputs: vocab, seq: 4 };
    }
  }
}

const MODEL_KNOBS = ["width", "depth", "d_embed", "d_model", "d_mlp", "heads", "layers"] as const;
const TASK_KNOBS = ["p", "n_bits", "n_train", "n_test", "entities", "relations", "attributes", "values", "test_size"] as const;

/** Parameters and per-example activation floats of a model config on a task of that shape. */
export function modelShape(model: Obj, t: ReturnType<typeof taskShape>): { params: number; activations: number } {
  const w = num(model, "width", 0);
  switch (model.name) {
    case "gromov":
      return { params: w * (t.inputs + t.outputs), activations: 3 * w + t.outputs };
    case "mlp": {
      const depth = num(model, "depth", 1);
      return { params: t.inputs * w + (depth - 1) * w * w + w * t.outputs + depth * w, activations: 2 * depth * w + t.inputs + t.outputs };
    }
    case "embed_mlp": {
      const e = num(model, "d_embed", 500);
      return { params: t.inputs * e + 2 * e * w + w * t.outputs, activations: 2 * e + 2 * w + t.outputs };
    }
    case "transformer": {
      const d = num(model, "d_model", 128), m = num(model, "d_mlp", 512), layers = num(model, "layers", 1), heads = num(model, "heads", 4);
      const params = layers * (4 * d * d + 2 * d * m) + 2 * t.inputs * d + t.seq * d;
      const activations = t.seq * (layers * (8 * d + 2 * m + 2 * heads * t.seq) + 2 * d + t.outputs);
      return { params, activations };
    }
    default:
      return { params: 5 * (t.inputs + t.outputs), activations: 10 + t.outputs };
  }
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toPrecision(3)} GiB`;

/** Refuses a config above the bounds with a SpecError naming the key (or the knobs that make the estimate). */
export function checkSizeBounds(config: { readonly steps: number; readonly batch_size: number | null; readonly task: object; readonly model: object }): void {
  if (config.steps > MAX_STEPS) throw new SpecError(`steps: ${config.steps} is above the bound ${MAX_STEPS}`);
  if (config.batch_size !== null && config.batch_size > MAX_BATCH) throw new SpecError(`batch_size: ${config.batch_size} is above the bound ${MAX_BATCH}`);
  const model = config.model as Obj, task = config.task as Obj;
  for (const k of MODEL_KNOBS) if (num(model, k, 0) > MAX_KNOB) throw new SpecError(`model.${k}: ${model[k]} is above the bound ${MAX_KNOB}`);
  const t = taskShape(task);
  const m = modelShape(model, t);
  const paramBytes = 4 * 5 * m.params; // parameters, gradients, two optimizer slots, one filter/checkpoint copy
  const dataBytes = 4 * t.examples * (t.seq + 1 + (task.name === "sparse_parity" ? t.inputs : 0));
  const rows = Math.max(config.batch_size ?? 0, t.examples); // evaluation runs on whole splits
  const activationBytes = 4 * 2 * rows * m.activations; // forward values and their gradients
  const total = paramBytes + dataBytes + activationBytes;
  if (!(total <= MAX_RUN_BYTES)) {
    const knobs = [
      ...MODEL_KNOBS.filter((k) => typeof model[k] === "number").map((k) => `model.${k}=${model[k]}`),
      ...TASK_KNOBS.filter((k) => typeof task[k] === "number").map((k) => `task.${k}=${task[k]}`),
      ...(config.batch_size !== null ? [`batch_size=${config.batch_size}`] : []),
    ];
    throw new SpecError(`${knobs.join(", ")}: the run would hold about ${gib(total)} (parameters and optimizer state ${gib(paramBytes)}, data and activations over ${t.examples} examples ${gib(dataBytes + activationBytes)}), above the ${gib(MAX_RUN_BYTES)} bound`);
  }
}
