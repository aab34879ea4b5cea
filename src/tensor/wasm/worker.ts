import { CTL_OFFSET, CTL_SLOTS, DONE, GEN, OP, OP_QUIT, SPIN, runShare } from "./control.js";
import { instantiateKernels } from "./kernels.js";

/**
 * Helper threads, independent of the host: the backend gets a `SpawnWorker` (Node: worker_threads, see
 * node-threads.ts; browser: a Web Worker whose script calls `serveKernelCalls` on its first message).
 */
export interface WorkerHandle {
  postMessage(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onError(cb: (err: unknown) => void): void;
  /** Lets the host exit while this worker sleeps (Node's unref); a no-op where that does not apply. */
  detach(): void;
  terminate(): void;
}
export type SpawnWorker = () => WorkerHandle;

/** The first (and only) message a helper thread receives. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly tid: number;
}
export type WorkerReply = { readonly ready: true } | { readonly error: string };

/** Slot a helper sets when its share threw; the caller reports it. */
export const ERROR_SLOT = 23;

/**
 * The body of helper thread `tid`: instantiates the kernels on the shared memory, replies `{ready}`, then serves
 * calls from the control block until it reads OP_QUIT. Blocks its thread (it spins briefly, then Atomics.wait).
 */
export function serveKernelCalls(init: WorkerInit, reply: (msg: WorkerReply) => void): void {
  let ex;
  try {
    ex = instantiateKernels(init.module, init.memory);
  } catch (e) {
    reply({ error: `helper thread ${init.tid}: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  const ctl = new Int32Array(init.memory.buffer, CTL_OFFSET, CTL_SLOTS);
  const ctlF = new Float32Array(init.memory.buffer, CTL_OFFSET, CTL_SLOTS);
  let seen = Atomics.load(ctl, GEN);
  reply({ ready: true });
  for (;;) {
    let g = Atomics.load(ctl, GEN);
    for (let s = 0; g === seen && s < SPIN; s++) g = Atomics.load(ctl, GEN);
    while (g === seen) {
      Atomics.wait(ctl, GEN, seen);
      g = Atomics.load(ctl, GEN);
    }
    seen = g;
    if (ctl[OP] === OP_QUIT) return;
    try {
      runShare(ex, ctl, ctlF, init.tid);
    } catch {
      Atomics.store(ctl, ERROR_SLOT, init.tid);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}
