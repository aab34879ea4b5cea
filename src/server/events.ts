/**
 * Server-sent events: the runs' status and step, polled from the store about once a second while at least one client
 * listens (the store holds no file open between operations, so polling is how another process's writes are seen).
 *
 *   event: runs   data: [{run_id, preset, status, step, steps, updated_at}, …]   the runs that changed (all on connect)
 *   event: error  data: {error}                                                 the store could not be read this time
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunRecord, Store } from "../runs/store.js";

export interface RunEvent {
  readonly run_id: string;
  readonly preset: string;
  readonly status: string;
  readonly step: number;
  readonly steps: number;
  readonly updated_at: string;
}

const POLL_LIMIT = 1000; // newest runs watched
const HEARTBEAT_MS = 15_000;

const eventOf = (r: RunRecord): RunEvent => ({ run_id: r.runId, preset: r.preset, status: r.status, step: r.step, steps: r.steps, updated_at: r.updatedAt.toISOString() });
const stamp = (e: RunEvent): string => `${e.status}/${e.step}/${e.steps}/${e.updated_at}`;

/** The runs whose state differs from `seen` (updating it). */
export function changedRuns(runs: readonly RunEvent[], seen: Map<string, string>): RunEvent[] {
  const changed = runs.filter((e) => seen.get(e.run_id) !== stamp(e));
  for (const e of changed) seen.set(e.run_id, stamp(e));
  return changed;
}

export interface EventHub {
  /** Takes over the response as an event stream until the client goes away. */
  subscribe(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every stream and stops polling. */
  close(): void;
  readonly clients: number;
}

export function eventHub(store: Store, pollMs = 1000): EventHub {
  const clients = new Set<ServerResponse>();
  const seen = new Map<string, string>();
  let timer: NodeJS.Timeout | null = null;
  let polling = false;

  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const snapshot = async (): Promise<RunEvent[]> => (await store.listRuns({ limit: POLL_LIMIT })).map(eventOf);

  async function poll(): Promise<void> {
    if (polling) return; // a slow store (locked by a writer) must not pile up polls
    polling = true;
    try {
      const changed = changedRuns(await snapshot(), seen);
      if (changed.length > 0) for (const c of clients) send(c, "runs", changed);
    } catch (e) {
      for (const c of clients) send(c, "error", { error: (e as Error).message });
    } finally {
      polling = false;
    }
  }

  function stopIfIdle(): void {
    if (clients.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
      seen.clear();
    }
  }

  return {
    get clients() {
      return clients.size;
    },
    async subscribe(req, res) {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
      res.write("retry: 2000\n\n");
      clients.add(res);
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      req.on("close", () => {
        clearInterval(heartbeat);
        clients.delete(res);
        stopIfIdle();
      });
      try {
        const all = await snapshot();
        if (!res.writableEnded) send(res, "runs", all);
        if (timer === null) for (const e of all) seen.set(e.run_id, stamp(e));
      } catch (e) {
        send(res, "error", { error: (e as Error).message });
      }
      timer ??= setInterval(() => void poll(), pollMs);
    },
    close() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      for (const c of clients) c.end();
      clients.clear();
    },
  };
}
