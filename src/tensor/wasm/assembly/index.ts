// @ts-nocheck — AssemblyScript entry point (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
// Every kernel may run on several threads at once over one shared memory: each call takes chunks of the output
// from a shared counter (util.ts `claim`) until none are left, so results do not depend on how many threads ran.
export { gemm, gemmScratchBytes } from "./gemm";
export { gatherRowsSum, gatherSumSquare, scatterAdd2, scatterRowsAdd } from "./gather";
export { addArrays, addRowVector, biasRelu, columnSums, mulArrays, reluBackward } from "./elementwise";
export { binaryMlpChunkRows } from "./binary-mlp";
export { binaryMlpJob, binaryMlpScratchBytes, crossEntropy as binaryCrossEntropy } from "./binary-mlp-task";
export { exactExp, exactLog, exactLog1p } from "./exact-math";
export { exactCos, exactSin } from "./exact-trig";
export { softmaxCrossEntropyRows } from "./cross-entropy";
export { mseRows } from "./mse";
export { adamUpdateChunks } from "./optimizers";
export { attentionBackward, attentionForward, attentionScratchBytes } from "./attention";
export { layerNormBackward, layerNormForward } from "./layer-norm";
export { transpose } from "./transpose";
export { allFinite } from "./finite";
export { dropoutMask } from "./dropout";
export { normals, normalsLanesAt } from "./normals";
export { sgldUpdate } from "./sgld";
export { stableMaxCrossEntropyRows } from "./stablemax";
