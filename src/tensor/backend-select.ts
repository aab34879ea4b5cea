import type { Backend } from "./backend.js";
import { createJsBackend } from "./backend-js.js";
import { createFloat64Backend } from "./backend-f64.js";
import { createWasmBackend } from "./wasm/backend-wasm.js";
import type { SpawnWorker } from "./wasm/worker.js";

export type BackendName = "js" | "js64" | "wasm" | "auto";

export interface BackendOptions {
  /** Threads for the wasm backend including the caller; "auto" uses min(2, cores), "wasm" defaults to 1. */
  threads?: number;
  /** How to start a helper thread; defaults to worker_threads under Node. Required for threads > 1 elsewhere. */
  spawnWorker?: SpawnWorker;
  /** Where "auto" reports falling back to js (default console.warn). */
  warn?: (message: string) => void;
}

interface HostThreads {
  readonly spawnWorker?: SpawnWorker;
  readonly cores: number;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

/** The host's way to start helper threads and its core count. Each adapter is loaded only on its own host. */
async function hostThreads(): Promise<HostThreads> {
  if (isNode()) {
    const spec = "./wasm/node-threads.js"; // a variable, so browser bundlers do not follow it
    const mod = (await import(/* @vite-ignore */ spec)) as { spawnNodeWorker: SpawnWorker; nodeCores: () => number };
    return { spawnWorker: mod.spawnNodeWorker, cores: mod.nodeCores() };
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const cores = nav?.hardwareConcurrency ?? 1;
  const web = await import("./wasm/web-threads.js");
  return { spawnWorker: web.browserCanShareMemory() ? web.spawnWebWorker : undefined, cores };
}

/**
 * A run's kernel threads: `threads`, or fewer where the environment variable GROKSCOPE_THREADS (Node only) sets a
 * lower limit — for several processes sharing the cores (the test suite runs two files at a time): two processes of
 * two threads each on two cores wait on each other's threads at every kernel call (a small transformer's step took
 * 25% longer than on one thread each). Results do not depend on the thread count.
 */
export function runThreads(threads: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const cap = env?.GROKSCOPE_THREADS;
  if (cap === undefined || cap === "") return threads;
  const n = Number(cap);
  if (!Number.isInteger(n) || n < 1) throw new Error(`GROKSCOPE_THREADS: must be a positive integer (the most kernel threads a run may use), got "${cap}"`);
  return Math.min(threads, n);
}

/**
 * A kernel backend by name: "js" (reference kernels), "js64" (the reference kernels over float64 buffers: a
 * float64 training mode, Prieto et al. 2025), "wasm" (WebAssembly SIMD; `threads` default 1), or
 * "auto" (wasm with min(2, cores) threads, falling back to js with a warning if wasm cannot start).
 */
export async function createBackend(name: BackendName, opts: BackendOptions = {}): Promise<Backend> {
  if (name === "js") return createJsBackend();
  if (name === "js64") return createFloat64Backend();
  if (name !== "wasm" && name !== "auto") throw new Error(`unknown backend "${String(name)}" (expected js, js64, wasm or auto)`);
  const host = await hostThreads().catch((): HostThreads => ({ cores: 1 }));
  const spawnWorker = opts.spawnWorker ?? host.spawnWorker;
  let threads = opts.threads ?? (name === "auto" ? Math.min(2, host.cores) : 1);
  if (name === "auto" && !spawnWorker) threads = 1;
  if (name === "wasm") return createWasmBackend({ threads, spawnWorker });
  try {
    return await createWasmBackend({ threads, spawnWorker });
  } catch (e) {
    const warn = opts.warn ?? ((m: string) => console.warn(m));
    warn(`backend "auto": the wasm backend failed to start (${e instanceof Error ? e.message : String(e)}); using the js backend, which is far slower (about 40x on the gromov net)`);
    return createJsBackend();
  }
}
