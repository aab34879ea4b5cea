import { CTL_OFFSET, CTL_SLOTS, ERROR, GEN, OP, OP_QUIT, SPIN, finish, join, runShare } from "./control.js";
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

/**
 * The body of helper thread `tid`: instantiates the kernels on the shared memory, replies `{ready}`, then serves
 * calls from the control block (see control.ts) until it reads OP_QUIT. Blocks its thread (it spins briefly after
 * each call, then sleeps in Atomics.wait).
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
    if (!join(ctl, g)) continue;
    try {
      runShare(ex, ctl, ctlF, init.tid);
    } catch {
      Atomics.store(ctl, ERROR, init.tid);
    }
    finish(ctl);
  }
}
