// @ts-nocheck — AssemblyScript entry point (compiled to WebAssembly by scripts/build-wasm.mjs), not checked by tsc.
// Every kernel takes (…, tid, nth): the caller runs it once on each of nth threads that share one memory;
// each call computes only its own share of the output, so results do not depend on nth.
export { gemm, gemmScratchBytes } from "./gemm";
export { gatherSumSquare, scatterAdd2 } from "./gather";
