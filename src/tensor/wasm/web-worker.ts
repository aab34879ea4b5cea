/** Entry of a browser helper thread (started by web-threads.ts): serves kernel calls after its first message. */
import { serveKernelCalls, type WorkerInit } from "./worker.js";

interface WorkerScope {
  onmessage: ((e: { data: unknown }) => void) | null;
  postMessage(msg: unknown): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (e) => {
  scope.onmessage = null;
  serveKernelCalls(e.data as WorkerInit, (msg) => scope.postMessage(msg));
};
