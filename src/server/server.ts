/**
 * The web lab's server: the JSON API over the run store (runs, metrics, checkpoints, sweeps, phase diagrams), server-
 * sent events for live runs, POST /api/runs to start a run, and the built UI as static files. Node's http only.
 *
 *   GET  /api/runs?preset=&status=&tag=&limit=      GET  /api/sweeps
 *   GET  /api/runs/:id                              GET  /api/sweeps/:name
 *   GET  /api/runs/:id/metrics?keys=a,b&since=N     GET  /api/sweeps/:name/phases.svg?rule=pair|liu
 *   GET  /api/runs/:id/checkpoints                  GET  /api/presets
 *   GET  /api/runs/:id/checkpoints/:step            GET  /api/events   (text/event-stream)
 *   POST /api/runs  {preset, set: {key: value}}
 *   GET  /api/runs/:id/tensors?step=S               GET  /api/runs/:id/tensors/:name?step=S
 *   GET  /api/runs/:id/fourier?step=S               GET  /api/sweep-presets
 *   POST /api/sweeps  {preset, name, seeds, workers, axes: {key: values}, set: {key: value}}
 */
import { resolve } from "node:path";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PRESETS } from "../runs/presets/index.js";
import { SpecError } from "../runs/spec.js";
import { openStore, StoreError, type Store } from "../runs/store.js";
import { authorize, checkBinding } from "./auth.js";
import { eventHub, type EventHub } from "./events.js";
import { decodeSegment, HttpError, readJsonBody, sendError, sendJson, sendText } from "./http.js";
import { launcher, parseLaunch, type Launcher } from "./launch.js";
import { checkpointsJson, listRunsJson, metricsJson, requireRun, runJson, sendCheckpoint } from "./runs-api.js";
import { sendStatic, WEB_ROOT } from "./static.js";
import { parseSweepLaunch, sweepLauncher, sweepPresetsJson, type SweepLauncher } from "./sweep-launch.js";
import { listSweepsJson, phasesSvg, sweepJson } from "./sweeps-api.js";
import { hooksJson, interveneJson } from "./intervene-api.js";
import { structureJson } from "./structure-api.js";
import { fourierJson, tensorJson, tensorsJson } from "./tensors-api.js";

export interface ServeOptions {
  readonly dataDir: string;
  /** Default 127.0.0.1; any other address needs `token`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly token?: string;
  /** The built UI (default dist/web of this installation). */
  readonly webRoot?: string;
  /** How often live clients' runs are polled from the store (default 1000 ms). */
  readonly pollMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

interface Context {
  readonly dataDir: string;
  readonly store: Store;
  readonly hub: EventHub;
  readonly launcher: Launcher;
  readonly sweeps: SweepLauncher;
  readonly token: string | undefined;
  readonly webRoot: string;
}

function storeStatus(e: StoreError): number {
  if (e.code === "NOT_FOUND") return 404;
  if (e.code === "LOCKED") return 503;
  return e.code === "INVALID" || e.code === "AMBIGUOUS" ? 400 : 500;
}

async function api(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]): Promise<void> {
  authorize(req, url, ctx.token);
  const method = req.method ?? "GET";
  const q = url.searchParams;
  const [, resource, id, sub, arg, ...rest] = parts; // parts[0] === "api"
  const get = method === "GET" || method === "HEAD";
  if (rest.length > 0) throw new HttpError(404, `no API route ${url.pathname}`);
  if (resource === "runs" && id === undefined && method === "POST") {
    const launch = parseLaunch(await readJsonBody(req));
    return sendJson(res, 202, await ctx.launcher.launch(launch));
  }
  if (resource === "runs" && id !== undefined && sub === "intervene" && arg === undefined && method === "POST") return sendJson(res, 200, await interveneJson(ctx.store, ctx.dataDir, id, await readJsonBody(req)));
  if (resource === "sweeps" && id === undefined && method === "POST") return sendJson(res, 202, await ctx.sweeps.launch(parseSweepLaunch(await readJsonBody(req))));
  if (!get) throw new HttpError(405, `${method} ${url.pathname}: method not allowed`);
  if (resource === "runs") {
    if (id === undefined) return sendJson(res, 200, await listRunsJson(ctx.store, q));
    if (sub === undefined) return sendJson(res, 200, { run: runJson(await requireRun(ctx.store, id), true, ctx.dataDir), metric_keys: await ctx.store.metricKeys(id) });
    if (sub === "metrics" && arg === undefined) return sendJson(res, 200, await metricsJson(ctx.store, id, q));
    if (sub === "checkpoints" && arg === undefined) return sendJson(res, 200, await checkpointsJson(ctx.store, id));
    if (sub === "checkpoints") return sendCheckpoint(ctx.store, id, arg, res);
    if (sub === "tensors" && arg === undefined) return sendJson(res, 200, await tensorsJson(ctx.store, id, q));
    if (sub === "tensors") return sendJson(res, 200, await tensorJson(ctx.store, id, arg, q));
    if (sub === "fourier" && arg === undefined) return sendJson(res, 200, await fourierJson(ctx.store, id, q));
    if (sub === "hooks" && arg === undefined) return sendJson(res, 200, await hooksJson(ctx.store, ctx.dataDir, id, q));
    if (sub === "structure" && arg === undefined) return sendJson(res, 200, await structureJson(ctx.store, id, q));
  }
  if (resource === "sweeps") {
    if (id === undefined) return sendJson(res, 200, await listSweepsJson(ctx.store));
    if (sub === undefined) return sendJson(res, 200, await sweepJson(ctx.store, id));
    if (sub === "phases.svg" && arg === undefined) return sendText(res, 200, "image/svg+xml", await phasesSvg(ctx.store, id, q));
  }
  if (resource === "presets" && id === undefined) {
    return sendJson(res, 200, { presets: Object.entries(PRESETS).map(([name, p]) => ({ name, description: p.describe, spec: p.spec })) });
  }
  if (resource === "sweep-presets" && id === undefined) return sendJson(res, 200, sweepPresetsJson());
  if (resource === "events" && id === undefined) return ctx.hub.subscribe(req, res);
  throw new HttpError(404, `no API route ${url.pathname}`);
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // The URL parser would quietly collapse "/a/../b"; a request that tries to climb is refused instead.
    const rawPath = (req.url ?? "/").split("?")[0];
    if (rawPath.split("/").some((seg) => /^(\.|%2e){1,2}$/i.test(seg))) throw new HttpError(403, "path traversal refused");
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = url.pathname.split("/").filter((p) => p !== "");
    if (raw[0] === "api") return await api(ctx, req, res, url, raw.map(decodeSegment));
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, `${req.method} ${url.pathname}: method not allowed`);
    await sendStatic(ctx.webRoot, url.pathname, res, req.method === "HEAD");
  } catch (e) {
    if (e instanceof HttpError) return sendError(res, e.status, e.message);
    if (e instanceof StoreError) return sendError(res, storeStatus(e), e.message);
    if (e instanceof SpecError) return sendError(res, 400, e.message);
    process.stderr.write(`grokscope serve: ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}\n`);
    sendError(res, 500, `internal error: ${(e as Error).message}`);
  }
}

/** Opens the store in `dataDir` and listens; resolves once the port is bound. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  checkBinding(host, opts.token);
  const store = await openStore(opts.dataDir);
  const ctx: Context = { dataDir: resolve(opts.dataDir), store, hub: eventHub(store, opts.pollMs), launcher: launcher(opts.dataDir), sweeps: sweepLauncher(store, opts.dataDir), token: opts.token, webRoot: opts.webRoot ?? WEB_ROOT };
  const server = createServer((req, res) => void handle(ctx, req, res));
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    server,
    async close() {
      ctx.hub.close();
      await ctx.launcher.close();
      await ctx.sweeps.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await store.close();
    },
  };
}
