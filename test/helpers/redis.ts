/**
 * A real redis-server for tests: on 127.0.0.1, on a free port, in a temporary directory, with persistence off;
 * stopped (and its directory removed) by `stop`. `startRedis` returns null when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return spawnSync(REDIS_SERVER, ["--version"], { stdio: "ignore" }).status === 0;
}

/** A port nothing listens on right now (the OS picks it; closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function untilReady(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let out = "";
    const timer = setTimeout(() => done(false), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) done(true);
    };
    const onExit = (): void => done(false);
    function done(ok: boolean): void {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve(ok);
    }
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

export async function startRedis(): Promise<RedisServer | null> {
  if (!redisServerInstalled()) return null;
  const dir = mkdtempSync(join(tmpdir(), "grokscope-redis-"));
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(); // another process may take it first: then try another
    const child = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "notice"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (await untilReady(child, 10_000)) {
      child.stdout?.resume();
      child.stderr?.resume();
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill("SIGKILL");
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`${REDIS_SERVER} did not start on a free port (3 tries)`);
}
