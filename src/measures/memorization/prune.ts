/**
 * Pruning memorizing neurons (Doshi, Das, He & Gromov 2024, "To grok or not to grok", §2: Hypothesis 2.1 and the
 * pruning experiment). A neuron that implements the modular rule has input weights that are one Fourier frequency
 * over the p inputs (high per-neuron IPR, see fourier.ts); a neuron that memorizes has weights spread over many
 * frequencies (low IPR). Zeroing the low-IPR neurons should keep the rule and remove the memorized labels: test
 * accuracy up, accuracy on the corrupted training rows down.
 *
 * A hidden neuron k and the weights that belong to it:
 *   gromov     W·(U e_a + V e_b)²         row k of U [N, p] and of V [N, p], column k of W [nOut, N];
 *                                          its IPR is that of row k of U (the first operand, as `fourier/ipr`)
 *   mlp        f(x W_0 + b_0) …           column k of W_0 [d_in, H], b_0[k], row k of the next weight (W_1 or W_out);
 *                                          its IPR is that of W_0[0 … p−1, k] (the first token's one-hot block)
 *   embed_mlp  f(Σ W_E[x_t] W_in) W_out   column k of W_in [D, H], row k of W_out [H, D];
 *                                          its IPR is that of column k of W_E W_in [vocab, H] (its weight on each token)
 * Other models have no per-neuron Fourier IPR: five_neuron's inputs go through a fixed circle embedding, so every
 * neuron's weights over the tokens are one frequency by construction and IPR cannot tell memorizing neurons apart.
 */
import type { Model } from "../../models/model.js";
import type { Dataset } from "../../tasks/dataset.js";
import type { Params, Tensor } from "../../tensor/tensor.js";
import { neuronIprs } from "../fourier/fourier.js";

const PRUNABLE = ["gromov", "mlp", "embed_mlp"] as const;

/** Why neurons of this model cannot be ranked by Fourier IPR on this task, or null when they can. */
export function pruneApplies(model: Model, data: Dataset): string | null {
  if (!(PRUNABLE as readonly string[]).includes(model.name)) {
    const why = model.name === "five_neuron" ? ": its fixed circle embedding makes every neuron's input weights one frequency (IPR 1), so IPR cannot find memorizing neurons" : "";
    return `model "${model.name}" has no neurons with a per-neuron Fourier IPR (prunable models: ${PRUNABLE.join(", ")})${why}`;
  }
  if (typeof data.meta.p !== "number" || data.kind !== "tokens") return `needs a modular-arithmetic task (task "${data.name}" has no modulus p, so a neuron's weights have no Fourier spectrum over the inputs)`;
  return null;
}

function need(params: Params, name: string, model: string): Tensor {
  const t = params[name];
  if (!t) throw new Error(`prune: model "${model}" has no tensor "${name}" (it has ${Object.keys(params).join(", ")})`);
  return t;
}

/** Number of first-layer hidden neurons of an "mlp" from W_0 [d_in, H]. */
function mlpDepth(params: Params): number {
  return Object.keys(params).filter((k) => /^W_\d+$/.test(k)).length;
}

/** W_E W_in [vocab, H] in float64 (the embed_mlp neuron's weight on each token). */
function effectiveInput(params: Params): Tensor {
  const E = need(params, "W_E", "embed_mlp"), Win = need(params, "W_in", "embed_mlp");
  const [vocab, D] = E.shape, H = Win.shape[1];
  const out = new Float32Array(vocab * H);
  const row = new Float64Array(H);
  for (let a = 0; a < vocab; a++) {
    row.fill(0);
    for (let d = 0; d < D; d++) {
      const e = E.data[a * D + d];
      for (let k = 0; k < H; k++) row[k] += e * Win.data[d * H + k];
    }
    for (let k = 0; k < H; k++) out[a * H + k] = row[k];
  }
  return { shape: [vocab, H], data: out };
}

/** Per-neuron IPR (r = 2, one-sided spectrum over the p inputs) of every hidden neuron: Float64Array [neurons]. */
export function neuronIprsOf(model: Model, params: Params, data: Dataset): Float64Array {
  const why = pruneApplies(model, data);
  if (why !== null) throw new Error(`prune: ${why}`);
  const p = data.meta.p as number;
  switch (model.name) {
    case "gromov":
      return neuronIprs(need(params, "U", model.name), { inputAxis: 1, p });
    case "mlp":
      return neuronIprs(need(params, "W_0", model.name), { inputAxis: 0, p });
    default:
      return neuronIprs(effectiveInput(params), { inputAxis: 0, p });
  }
}

/** mask[k] = 1 for neurons whose IPR is below `below`; neurons with an undefined IPR (all-zero weights) are kept. */
export function lowIprMask(iprs: Float64Array, below: number): Uint8Array {
  const mask = new Uint8Array(iprs.length);
  for (let k = 0; k < iprs.length; k++) mask[k] = iprs[k] < below ? 1 : 0;
  return mask;
}

function zeroRows(t: Tensor, mask: Uint8Array): void {
  const cols = t.shape[1];
  for (let k = 0; k < mask.length; k++) if (mask[k]) t.data.fill(0, k * cols, (k + 1) * cols);
}

function zeroCols(t: Tensor, mask: Uint8Array): void {
  const [rows, cols] = t.shape;
  for (let r = 0; r < rows; r++) for (let k = 0; k < mask.length; k++) if (mask[k]) t.data[r * cols + k] = 0;
}

/**
 * A copy of `params` with the neurons where mask[k] = 1 removed: every weight into and out of neuron k set to 0
 * (see the file comment for each model). The input is not modified. Throws when the mask's length is not the
 * number of neurons.
 */
export function pruneNeurons(modelName: string, params: Params, mask: Uint8Array): Params {
  const out: Params = {};
  for (const [name, t] of Object.entries(params)) out[name] = { shape: [...t.shape], data: t.data.slice() };
  const check = (neurons: number): void => {
    if (mask.length !== neurons) throw new Error(`prune: mask has ${mask.length} entries, model "${modelName}" has ${neurons} neurons`);
  };
  switch (modelName) {
    case "gromov": {
      const U = need(out, "U", modelName);
      check(U.shape[0]);
      zeroRows(U, mask);
      zeroRows(need(out, "V", modelName), mask);
      zeroCols(need(out, "W", modelName), mask); // W [nOut, N]
      return out;
    }
    case "mlp": {
      const W0 = need(out, "W_0", modelName);
      check(W0.shape[1]);
      zeroCols(W0, mask);
      if (out.b_0) for (let k = 0; k < mask.length; k++) if (mask[k]) out.b_0.data[k] = 0;
      zeroRows(need(out, mlpDepth(out) > 1 ? "W_1" : "W_out", modelName), mask);
      return out;
    }
    case "embed_mlp": {
      const Win = need(out, "W_in", modelName);
      check(Win.shape[1]);
      zeroCols(Win, mask);
      zeroRows(need(out, "W_out", modelName), mask);
      return out;
    }
    default:
      throw new Error(`prune: model "${modelName}" has no neurons to prune (prunable models: ${PRUNABLE.join(", ")})`);
  }
}
