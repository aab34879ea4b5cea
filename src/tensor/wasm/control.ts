import type { KernelExports } from "./kernels.js";

/**
 * The control block, a few int32 slots in the shared memory through which the calling thread hands a kernel call
 * to its helper threads: it writes the op and arguments, bumps GEN and notifies; each helper runs its share
 * (tid 1..nth-1), then increments DONE and notifies. Plain Atomics on the memory, no messages.
 */
export const CTL_OFFSET = 4096; // bytes; below the heap, above anything the module itself could place in memory
export const CTL_SLOTS = 32;
export const GEN = 0;
export const DONE = 1;
export const OP = 2;
export const NTH = 3;
export const ARGS = 4; // 16 int32 arguments
export const SCALE = 20; // one float32
export const SCRATCH = 21; // scratch base pointer
export const SCRATCH_STRIDE = 22; // scratch bytes per thread

export const OP_GEMM = 1;
export const OP_GATHER_SUM_SQUARE = 2;
export const OP_SCATTER_ADD2 = 3;
export const OP_QUIT = 99;

/** Runs thread `tid`'s share of the call described in the control block. */
export function runShare(ex: KernelExports, ctl: Int32Array, ctlF: Float32Array, tid: number): void {
  const nth = ctl[NTH];
  const a = ARGS;
  const scratch = ctl[SCRATCH] + tid * ctl[SCRATCH_STRIDE];
  switch (ctl[OP]) {
    case OP_GEMM:
      ex.gemm(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctlF[SCALE], scratch, tid, nth);
      return;
    case OP_GATHER_SUM_SQUARE:
      ex.gatherSumSquare(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], tid, nth);
      return;
    case OP_SCATTER_ADD2:
      ex.scatterAdd2(ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], tid, nth);
      return;
    default:
      throw new Error(`wasm backend: unknown op ${ctl[OP]} in the control block`);
  }
}

/** Spin iterations before a waiting thread falls back to Atomics.wait (keeps hand-over latency in microseconds). */
export const SPIN = 20000;
