/**
 * One trainer per run directory: `<runDir>/train.lock` holds the owner's host, pid and a heartbeat time, rewritten
 * every HEARTBEAT_MS while it trains. A lock whose pid is dead on this host, or whose heartbeat is older than
 * staleMs() (another host, or a reused pid), is taken over.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { open, readFile, rename, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "./atomic.js";
import { SpecError } from "./spec.js";

export const LOCK_FILE = "train.lock";
const HEARTBEAT_MS = 5_000;

/** How old a heartbeat may get before the lock counts as abandoned ($GROKSCOPE_LOCK_STALE_MS, default 60 s). */
function staleMs(): number {
  const env = Number(process.env.GROKSCOPE_LOCK_STALE_MS);
  return Number.isFinite(env) && env > 0 ? env : 60_000;
}

interface LockInfo {
  readonly host: string;
  readonly pid: number;
  readonly heartbeat: number; // ms since the epoch
  readonly run_id: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const o = JSON.parse(text) as LockInfo;
    return typeof o.host === "string" && Number.isSafeInteger(o.pid) && Number.isFinite(o.heartbeat) ? o : null;
  } catch {
    return null; // torn or foreign: treated as abandoned
  }
}

/** Why a lock is abandoned ("pid 123 is dead", "heartbeat 300 s old"), or null while its owner lives. */
export function abandonedBecause(info: LockInfo | null, now = Date.now()): string | null {
  if (info === null) return "unreadable lock";
  if (info.host === hostname() && info.pid === process.pid) return null;
  if (info.host === hostname() && !pidAlive(info.pid)) return `pid ${info.pid} is dead`;
  const age = now - info.heartbeat;
  if (age > staleMs()) return `heartbeat ${Math.round(age / 1000)} s old`;
  return null;
}

/** Whether the run directory's lock says its trainer is gone (dead or stale); false when there is no lock. */
export function ownerGone(runDir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(runDir, LOCK_FILE), "utf8");
  } catch {
    return false;
  }
  return abandonedBecause(parseLock(text)) !== null;
}

export interface RunLock {
  release(): Promise<void>;
}

const infoText = (runId: string) => JSON.stringify({ host: hostname(), pid: process.pid, heartbeat: Date.now(), run_id: runId }) + "\n";

/** Takes the run's lock or throws SpecError naming the run and its owner. */
export async function acquireRunLock(runDir: string, runId: string): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, "wx");
      try {
        await fh.writeFile(infoText(runId));
      } finally {
        await fh.close();
      }
      return heartbeat(path, runId);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue; // released meanwhile
    }
    const info = parseLock(text);
    if (abandonedBecause(info) === null) {
      throw new SpecError(`run "${runId}" is being trained by pid ${info!.pid} on ${info!.host} (lock ${path}); wait for it, or stop it first`);
    }
    // take over: move the abandoned file aside; if another process got there first, what we moved is not what we judged
    const aside = `${path}.stale-${process.pid}`;
    try {
      await rename(path, aside);
    } catch {
      continue;
    }
    const moved = await readFile(aside, "utf8").catch(() => "");
    if (moved !== text) await rename(aside, path).catch(() => {});
    else await rm(aside, { force: true });
  }
  throw new SpecError(`run "${runId}": cannot take its lock ${path} (another process is taking it over)`);
}

function heartbeat(path: string, runId: string): RunLock {
  const timer = setInterval(() => void writeFileAtomic(path, infoText(runId)).catch(() => {}), HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      const info = parseLock(await readFile(path, "utf8").catch(() => ""));
      if (info && info.pid === process.pid && info.host === hostname()) await rm(path, { force: true });
    },
  };
}

/**
 * The status to show: a row still `running` whose trainer is gone (its lock's pid dead or heartbeat stale) is
 * `killed`, marked stale; `grokscope train --resume` takes it over.
 */
export function shownStatus(r: { readonly status: string; readonly runDir: string }): { status: string; stale: boolean } {
  return r.status === "running" && ownerGone(r.runDir) ? { status: "killed", stale: true } : { status: r.status, stale: false };
}
