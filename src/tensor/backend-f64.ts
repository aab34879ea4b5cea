import type { Backend } from "./backend.js";
import { elementwiseJs, gatherSumSquareJs, gemmJs, scatterAdd2Js } from "./backend-js.js";

/**
 * The float64 training mode ("js64"): the reference JS kernels over Float64Arrays. The kernels are written for
 * Float32Array but only index and assign, so handed float64 buffers they compute in float64 end to end, and every
 * model buffer (parameters, activations, gradients) comes from `alloc`. Prieto et al. (2025, "Grokking at the edge
 * of numerical stability", "Softmax Collapse" section) show float64 postpones Softmax Collapse; this backend is how a run asks for it.
 * Optimizer moments follow the parameters' array type (src/train/optimizers.ts), so the whole step is float64.
 * The arrays are typed Float32Array for the interfaces; `alloc(1) instanceof Float64Array` tells them apart.
 */
export function createFloat64Backend(): Backend {
  return {
    name: "js64",
    alloc: (length) => new Float64Array(length) as unknown as Float32Array,
    gemm: gemmJs,
    gatherSumSquare: gatherSumSquareJs,
    scatterAdd2: scatterAdd2Js,
    ...elementwiseJs,
    dispose() {},
  };
}
