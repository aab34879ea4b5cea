/**
 * The web lab in a real browser, for the tests under test/web: playwright-core driving the system's Chromium (no
 * browser is downloaded; $GROKSCOPE_CHROMIUM overrides /usr/bin/chromium), a lab server over a temp store, and a
 * folder for screenshots ($GROKSCOPE_SCREENSHOTS, default: inside the temp folder, printed). A test is skipped with a
 * notice when Chromium is missing, except in CI (CI=true), where it is required. Everything a lab starts is stopped,
 * and its temp folder removed, after the test.
 */
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startServer } from "../../src/server/server.js";
import { BIN } from "./cli.js";

export const CHROMIUM = process.env.GROKSCOPE_CHROMIUM ?? "/usr/bin/chromium";
/** index.html of the built UI the server serves (tests run from dist/test/..., the UI is built into dist/web). */
export const WEB_INDEX = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web", "index.html");

/** True when the browser test `name` can run: Chromium is there (required in CI) and the UI is built; else skips `t`. */
export function browserOrSkip(t: TestContext, name: string): boolean {
  if (!existsSync(CHROMIUM)) {
    // In CI the browser test is required; elsewhere it is skipped with a visible reason.
    assert.notEqual(process.env.CI, "true", `${CHROMIUM} is required in CI for the ${name} browser test`);
    t.skip(`no Chromium at ${CHROMIUM}: ${name} browser test skipped`);
    return false;
  }
  assert.ok(existsSync(WEB_INDEX), `the web lab is not built (${WEB_INDEX}): npm run build:web`);
  return true;
}

export interface Lab {
  /** The run store's folder (not created yet). */
  readonly data: string;
  /** Where screenshots go (created). */
  readonly shots: string;
  /** Runs `stop` after the test, before the temp folder is removed (the last deferred first). */
  defer(stop: () => unknown): void;
}

/** A temp folder `<prefix>…` holding the store and (by default) the screenshots, removed after the test. */
export function labFolder(t: TestContext, prefix: string): Lab {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const shots = process.env.GROKSCOPE_SCREENSHOTS ?? join(dir, "screenshots");
  mkdirSync(shots, { recursive: true });
  const stops: (() => unknown)[] = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
    if (process.env.GROKSCOPE_SCREENSHOTS === undefined) t.diagnostic(`screenshots (removed with the temp folder): ${shots}`);
    rmSync(dir, { recursive: true, force: true });
  });
  return { data: join(dir, "store"), shots, defer: (stop) => void stops.push(stop) };
}

/** Stops a child process with SIGTERM; resolves once it has exited. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** `grokscope serve --port 0` over the lab's store, stopped after the test; resolves with its URL once it prints it. */
export function serveCli(lab: Lab): Promise<string> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", lab.data], { stdio: ["ignore", "pipe", "pipe"] });
  lab.defer(() => stop(child));
  let out = "", err = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("exit", (code) => reject(new Error(`grokscope serve exited with ${code}: ${err}`)));
  });
}

/** The lab server in this process over the lab's store, closed after the test; its URL. */
export async function serveInProcess(lab: Lab): Promise<string> {
  const server = await startServer({ dataDir: lab.data });
  lab.defer(() => server.close());
  return server.url;
}

/**
 * Chromium (closed after the test) with one 1280 × 900 page; `problems` collects the page's uncaught errors, and with
 * `consoleErrors` also its console errors (a favicon miss aside).
 */
export async function openPage(lab: Lab, opts: { consoleErrors?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  lab.defer(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(opts.consoleErrors ? `page error: ${e.message}` : e.message));
  if (opts.consoleErrors) {
    page.on("console", (m) => {
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) problems.push(`console error: ${m.text()}`);
    });
  }
  return { page, problems };
}
