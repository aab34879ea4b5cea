import { Command } from "commander";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fiveNeuronCircle, gromovConstruction } from "../../models/constructions.js";
import { applyOverrides } from "../../runs/overrides.js";
import { presetSpec } from "../../runs/presets/index.js";
import { writeSafetensors } from "../../runs/safetensors.js";
import { buildSetup } from "../../runs/setup.js";
import { normalizeSpec, SpecError } from "../../runs/spec.js";
import { fold, keyFromSeed } from "../../tensor/rng.js";
import type { Params } from "../../tensor/tensor.js";
import { evaluate } from "../../train/loop.js";
import { parseSeed } from "../parse.js";

const collect = (v: string, prev: string[]) => [...prev, v];

/** Analytic solutions scored on the preset's task: construction name → (preset, weights from config). */
const CONSTRUCTIONS: Record<string, { preset: string; describe: string }> = {
  gromov: { preset: "gromov", describe: "Gromov (2023) eq. (8)–(9): cosine weights with random frequencies and phases, A = (2/N)^(1/3)" },
  "five-neuron": { preset: "pair-five-neuron", describe: "the ideal PAIR five-neuron solution: neurons 72° apart, output turning twice as fast" },
};

export function constructCommand(): Command {
  return new Command("construct")
    .description("build an analytic solution on a preset's task and score it on every input pair")
    .argument("<name>", `construction: ${Object.keys(CONSTRUCTIONS).join(", ")}`)
    .option("--set <key=value>", "override a spec key (model.width=100, task.p=113) or construction.flip_output_phase=true", collect, [])
    .option("--seed <s>", "seed for the construction's random frequencies and phases", "1")
    .option("--out <dir>", "also save the weights as <dir>/weights.safetensors")
    .action(async (name: string, o: { set: string[]; seed: string; out?: string }) => {
      const entry = Object.hasOwn(CONSTRUCTIONS, name) ? CONSTRUCTIONS[name] : undefined;
      if (!entry) throw new SpecError(`unknown construction "${name}"; known: ${Object.keys(CONSTRUCTIONS).join(", ")}`);
      const own = o.set.filter((s) => s.startsWith("construction."));
      const flags = applyOverrides({}, own).construction as Record<string, unknown> | undefined;
      const flip = flags?.flip_output_phase ?? false;
      for (const k of Object.keys(flags ?? {})) if (k !== "flip_output_phase") throw new SpecError(`construction.${k}: unknown key`);
      if (typeof flip !== "boolean") throw new SpecError(`construction.flip_output_phase: expected true or false`);
      const seed = parseSeed(o.seed);
      const spec = applyOverrides({ ...presetSpec(entry.preset), seed, backend: "js" }, o.set.filter((s) => !s.startsWith("construction.")));
      const config = normalizeSpec(spec);
      const { setup, state } = await buildSetup(config);
      const alloc = (n: number) => setup.backend.alloc(n);
      let params: Params;
      if (name === "gromov") {
        if (config.model.name !== "gromov") throw new SpecError(`model.name: the gromov construction needs the gromov model`);
        const p = setup.data.kind === "tokens" ? setup.data.vocab : 0;
        params = gromovConstruction({ p, width: config.model.width, flipOutputPhase: flip, alloc }, fold(keyFromSeed(seed), "construction"));
      } else {
        if (config.model.name !== "five_neuron") throw new SpecError(`model.name: the five-neuron construction needs the five_neuron model`);
        if (flip) throw new SpecError(`construction.flip_output_phase: only the gromov construction has an output phase`);
        params = fiveNeuronCircle({ neurons: config.model.neurons, alloc });
      }
      for (const [k, t] of Object.entries(params)) state.params[k].data.set(t.data);
      const train = evaluate(setup, state, setup.data.train), test = evaluate(setup, state, setup.data.test);
      const nTr = setup.data.train.n, nTe = setup.data.test === setup.data.train ? 0 : setup.data.test.n;
      const accuracy = (train.acc * nTr + test.acc * nTe) / (nTr + nTe);
      const result: Record<string, unknown> = { construction: name, task: config.task, model: config.model, seed, flip_output_phase: flip, accuracy, examples: nTr + nTe, train_acc: train.acc, test_acc: test.acc, loss: (train.loss * nTr + test.loss * nTe) / (nTr + nTe) };
      if (o.out) {
        const dir = resolve(o.out);
        await mkdir(dir, { recursive: true });
        const tensors = Object.fromEntries(Object.entries(state.params).map(([k, t]) => [k, { dtype: "F32" as const, shape: [...t.shape], data: t.data }]));
        await writeSafetensors(join(dir, "weights.safetensors"), tensors, { construction: name, seed: String(seed) });
        result.weights = join(dir, "weights.safetensors");
      }
      setup.backend.dispose();
      process.stdout.write(JSON.stringify(result) + "\n");
    });
}
