/**
 * Browser adapter for the wasm backend's helper threads: module Web Workers running web-worker.js. Shared
 * WebAssembly memory needs a cross-origin isolated page (served with Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp).
 */
import type { SpawnWorker } from "./worker.js";

export const spawnWebWorker: SpawnWorker = () => {
  const w = new Worker(new URL("./web-worker.js", import.meta.url), { type: "module" });
  return {
    postMessage: (msg) => w.postMessage(msg),
    onMessage: (cb) => w.addEventListener("message", (e) => cb(e.data)),
    onError: (cb) => w.addEventListener("error", (e) => cb(e.message || "worker script failed to load")),
    detach: () => {},
    terminate: () => w.terminate(),
  };
};

export function browserCanShareMemory(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; SharedArrayBuffer?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === "function" && typeof g.SharedArrayBuffer === "function";
}
