/**
 * Node adapter for the wasm backend's helper threads (worker_threads). This module is both the spawner (in the
 * main thread) and the worker script (a worker started from it serves kernel calls). Node-only: the backend
 * itself never imports it; backend-select loads it when running under Node.
 */
import { availableParallelism } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { serveKernelCalls, type SpawnWorker, type WorkerInit } from "./worker.js";

const MARK = "grokscope-wasm-kernel-worker";

export const spawnNodeWorker: SpawnWorker = () => {
  const w = new Worker(new URL(import.meta.url), { workerData: MARK });
  return {
    postMessage: (msg) => w.postMessage(msg),
    onMessage: (cb) => void w.on("message", cb),
    onError: (cb) => void w.on("error", cb),
    detach: () => void w.unref(),
    terminate: () => void w.terminate(),
  };
};

export function nodeCores(): number {
  return availableParallelism();
}

if (!isMainThread && workerData === MARK && parentPort) {
  const port = parentPort;
  port.once("message", (init: WorkerInit) => serveKernelCalls(init, (msg) => port.postMessage(msg)));
}
