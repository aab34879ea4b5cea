import type { Backend } from "../../src/tensor/backend.js";
import { elementwiseJs, gatherSumSquareJs, gemmJs, scatterAdd2Js } from "../../src/tensor/backend-js.js";

/**
 * The reference kernels over Float64Arrays. The kernels are written for Float32Array but only index and assign,
 * so handed float64 buffers they compute in float64 end to end: models built on this backend are float64 models,
 * which is what gradient checks against finite differences need.
 */
export function createFloat64Backend(): Backend {
  return {
    name: "js-f64",
    alloc: (length) => new Float64Array(length) as unknown as Float32Array,
    gemm: gemmJs,
    gatherSumSquare: gatherSumSquareJs,
    scatterAdd2: scatterAdd2Js,
    ...elementwiseJs,
    dispose() {},
  };
}
