/** Reverse-mode automatic differentiation: the graph (tape) and its ops. */
export { Graph, addInto, writeGrad, type ForwardOptions, type GradTarget, type Intervention, type Var } from "./graph.js";
export { addBias, linear, matmul, type MatmulOptions } from "./ops/linear.js";
export { activation, add, addTiled, gelu, mul, relu, scale, square, sub, tanh } from "./ops/elementwise.js";
export { embedding, gatherRows, tokenColumn } from "./ops/gather.js";
export { binaryLogits, packHeads, reshape, selectPositions, transpose } from "./ops/transform.js";
export { logSoftmax, mean, softmax, sum } from "./ops/reduce.js";
export { layerNorm } from "./ops/norm.js";
export { causalAttention } from "./ops/attention.js";
export { lossOf, type LossFunction } from "./ops/loss.js";
export { dropout } from "./ops/dropout.js";
export { gradCheck } from "./grad-check.js";
export { captureHooks, hookShapes, meanAblation, patch, zeroAblation, type Selection } from "./interventions.js";
