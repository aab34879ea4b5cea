/**
 * The kernels a lab worker trains on: the wasm backend (WebAssembly SIMD, as `grokscope train` uses), with helper
 * threads when asked and the page is cross-origin isolated; the js backend when wasm cannot start, with the reason,
 * which the section shows. Results are bit-identical for every wasm thread count, so a section trains the numbers of
 * `grokscope train … --set backend=wasm` whatever it uses; on js those of `--set backend=js`.
 */
import type { Backend } from "../../../src/tensor/backend";
import { createJsBackend } from "../../../src/tensor/backend-js";
import { createWasmBackend } from "../../../src/tensor/wasm/backend-wasm";
import { browserCanShareMemory, spawnWebWorker } from "../../../src/tensor/wasm/web-threads";

export interface Engine {
  readonly backend: Backend;
  /** Why the wasm backend was not used (null when it is), or why it runs on fewer threads than asked. */
  readonly note: string | null;
}

/** A small net's whole run fits far below this; it only bounds the address space each worker reserves. */
const MAX_MEMORY_MB = 512;

export async function startEngine(threads: number): Promise<Engine> {
  let note: string | null = null;
  if (threads > 1 && !browserCanShareMemory()) {
    note = `${threads} threads need a cross-origin isolated page; training on one`;
    threads = 1;
  }
  try {
    const backend = await createWasmBackend({ threads, spawnWorker: threads > 1 ? spawnWebWorker : undefined, maxMemoryMB: MAX_MEMORY_MB });
    return { backend, note };
  } catch (e) {
    return { backend: createJsBackend(), note: `The WebAssembly kernels could not start (${e instanceof Error ? e.message : String(e)}); this lab trains on the slower js backend.` };
  }
}
