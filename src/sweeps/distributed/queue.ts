/**
 * What the coordinator and the workers of a distributed sweep share: the Redis URL, the BullMQ queue they meet on,
 * how a run becomes a job id, and a bounded reachability check. ioredis reconnects forever by default, so every
 * entry point first pings with no retry and a deadline: an unreachable Redis is one clear line, never a hang.
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { SpecError } from "../../runs/spec.js";
import type { RunJob } from "../execute.js";

/** Every sweep's runs go through this one queue (workers serve any sweep); keys are `grokscope:runs:*`. */
export const QUEUE_NAME = "runs";
export const QUEUE_PREFIX = "grokscope";

/** How long the reachability check waits for Redis before giving up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

import { QueueUnreachable } from "./unreachable.js";

export { QueueUnreachable };

/** Checks that `url` is a Redis URL (redis:// or rediss://, with a host); returns it normalized. */
export function parseQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SpecError(`--queue: expected a Redis URL like redis://127.0.0.1:6379, got "${url}"`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new SpecError(`--queue: expected a redis:// or rediss:// URL, got "${url}"`);
  if (u.hostname === "") throw new SpecError(`--queue: no host in "${url}"`);
  if (u.pathname !== "" && u.pathname !== "/" && !/^\/\d+$/.test(u.pathname)) throw new SpecError(`--queue: the path of "${url}" must be a database number, e.g. /0`);
  return url;
}

/** The URL as it may be printed: without its password. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

function describeConnectError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ETIMEDOUT":
      return "no answer (timed out)";
    case "ECONNRESET":
      return "connection reset";
    default: {
      const msg = (err.message ?? String(e)).split("\n")[0];
      if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(msg)) return `authentication failed (${msg})`;
      return msg;
    }
  }
}

/** Resolves once Redis at `url` answers PING; throws QueueUnreachable naming the URL within `timeoutMs`. */
export async function checkRedis(url: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
  parseQueueUrl(url);
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, disconnectTimeout: 100 });
  let firstError: unknown = null; // the socket's own error (ECONNREFUSED…); connect() rejects only with "Connection is closed"
  client.on("error", (e) => void (firstError ??= e));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
  } catch (e) {
    throw new QueueUnreachable(`cannot reach Redis at ${shownUrl(url)}: ${describeConnectError(firstError ?? e)}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * A connection for BullMQ (after checkRedis): BullMQ's blocking commands need maxRetriesPerRequest null, and a
 * dropped connection is retried for as long as the process lives (a worker outlives a Redis restart).
 */
export function connect(url: string, name: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, connectionName: name });
  // ioredis prints a stack ("Unhandled error event") for an error nobody listens to; outages are reported once each
  // by the BullMQ objects on this connection (onOutage), so the connection's own copies are dropped here
  client.on("error", () => {});
  return client;
}

/**
 * One line per Redis outage: the first error of an outage is logged, its repeats (every reconnect attempt) are
 * not, and the connection coming back ("ready") is logged and ends the outage.
 */
export function outageReporter(client: Redis, log: (line: string) => void): (e: Error) => void {
  let down = false;
  client.on("ready", () => {
    if (!down) return;
    down = false;
    log("reconnected, resuming");
  });
  return (e) => {
    if (down) return;
    down = true;
    log(e.message);
  };
}

/** Closes a connection made by `connect` (BullMQ leaves connections it was handed open). */
export async function disconnect(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * The job id of a run: a function of the sweep, the run key and the run's config, so enqueueing twice adds
 * nothing, a restarted coordinator finds its jobs again, and a sweep re-created with another spec (--new) never
 * collects a stale result of the old one. BullMQ ids may not contain ':' nor be integers.
 */
export function jobIdOf(job: Pick<RunJob, "sweep" | "runKey" | "config">): string {
  const h = createHash("sha256").update(JSON.stringify([job.sweep, job.runKey, job.config])).digest("hex").slice(0, 20);
  return `${job.sweep}-${h}`;
}

/** Job data is data from outside: the worker takes only well-formed run jobs. */
export function isRunJob(data: unknown): data is RunJob {
  const d = data as Partial<RunJob> | null;
  return (
    typeof d === "object" &&
    d !== null &&
    typeof d.sweep === "string" &&
    typeof d.runKey === "string" &&
    typeof d.runId === "string" &&
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(d.runId) && // it names a directory under --runs-dir
    typeof d.runDir === "string" &&
    typeof d.config === "object" &&
    d.config !== null
  );
}
