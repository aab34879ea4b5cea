/**
 * The Explore page's live training in a real browser: serves the built web lab (dist/web, as `grokscope serve` does;
 * nothing is built here), opens it in headless Chromium (playwright-core and the system's browser), trains the
 * five-neuron model (R4, seed 1) for a fixed number of steps in its Web Worker with the page animating, and reports
 * animated training steps per second: steps / (time from pressing Train until the page has drawn the last step).
 * Target: ≥ 60. `node dist/bench/browser.js [steps]` prints the result as JSON.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HttpError } from "../src/server/http.js";
import { sendStatic, WEB_ROOT } from "../src/server/static.js";

export interface BrowserBenchOptions {
  /** Training steps to time (default 2,000). */
  readonly steps?: number;
  /** The browser binary (default $GROKSCOPE_CHROMIUM or /usr/bin/chromium). */
  readonly chromium?: string;
  /** The built UI (default dist/web of this installation). */
  readonly webRoot?: string;
}

export interface BrowserBenchResult {
  readonly steps: number;
  readonly seconds: number;
  /** Steps / seconds, with the page drawing each frame's progress. */
  readonly steps_per_second: number;
  /** Steps per second of the worker's own training time (without its messages and pauses between slices). */
  readonly worker_steps_per_second: number;
  /** Frames in which the page drew new progress, and their rate. */
  readonly frames: number;
  readonly frames_per_second: number;
  readonly target_steps_per_second: 60;
  readonly browser: string;
}

export type BrowserBenchOutcome = BrowserBenchResult | { readonly skipped: string };

/** Serves `root` with the lab's static-file handler on a free loopback port. */
async function serveStatic(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    sendStatic(root, path, res, req.method === "HEAD").catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (!res.headersSent) res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(String((e as Error).message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

export async function benchBrowser(opts: BrowserBenchOptions = {}): Promise<BrowserBenchOutcome> {
  const steps = opts.steps ?? 2000;
  const chromiumPath = opts.chromium ?? process.env.GROKSCOPE_CHROMIUM ?? "/usr/bin/chromium";
  const root = opts.webRoot ?? WEB_ROOT;
  if (!existsSync(chromiumPath)) return { skipped: `no Chromium at ${chromiumPath}` };
  if (!existsSync(join(root, "index.html"))) return { skipped: `the web lab is not built (${root}): npm run build:web` };
  const { chromium } = await import("playwright-core");
  const { url, server } = await serveStatic(root);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}#/explore?five_steps=${steps}`);
    await page.waitForSelector('[data-testid="five"][data-step="0"]');
    await page.locator('[data-testid="five"] .charts').scrollIntoViewIfNeeded(); // the charts and circles on screen
    const timed = await page.evaluate(
      () =>
        new Promise<{ ms: number; frames: number; trainMs: number }>((resolve) => {
          const section = document.querySelector('[data-testid="five"]')!;
          const observer = new MutationObserver(() => {
            if (section.getAttribute("data-done") !== "true") return;
            observer.disconnect();
            resolve({ ms: performance.now() - t0, frames: Number(section.getAttribute("data-frames")), trainMs: Number(section.getAttribute("data-train-ms")) });
          });
          observer.observe(section, { attributes: true });
          const t0 = performance.now();
          (document.querySelector('[data-testid="five-train"]') as HTMLButtonElement).click();
        }),
    );
    if (errors.length > 0) throw new Error(`the page failed: ${errors.join("; ")}`);
    const seconds = timed.ms / 1000;
    return {
      steps,
      seconds,
      steps_per_second: steps / seconds,
      worker_steps_per_second: (1000 * steps) / timed.trainMs,
      frames: timed.frames,
      frames_per_second: timed.frames / seconds,
      target_steps_per_second: 60,
      browser: browser.version(),
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const steps = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) {
    console.error(`usage: node dist/bench/browser.js [steps]   (steps: a positive integer, got ${process.argv[2]})`);
    process.exit(2);
  }
  benchBrowser({ steps }).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(`bench/browser: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
