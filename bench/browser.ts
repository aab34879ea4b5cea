/**
 * The Explore page's live training in a real browser: serves the built web lab (dist/web, with the headers
 * `grokscope serve` sends; nothing is built here), opens it in headless Chromium (playwright-core and the system's
 * browser) and trains each section in turn, alone, with the page animating. Per section: the training steps per
 * second of the worker's steps against the same model's steps in Node on the wasm backend with one thread (what
 * `grokscope train … --set backend=wasm --set threads=1` trains; their ratio, target ≥ 0.7), the animated rate (steps
 * / wall time from pressing Train until the page has drawn the last step), the time until the page shows the run
 * grokked (where it does), and the page's frames per second and longest gap between two frames (requestAnimationFrame
 * timestamps; targets ≥ 55 and ≤ 100 ms). `node dist/bench/browser.js [section[=steps] …] [--threads N]` prints it as
 * JSON (and a table on stderr).
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { presetSpec } from "../src/runs/presets/index.js";
import { applyOverrides } from "../src/runs/overrides.js";
import { buildSetup } from "../src/runs/setup.js";
import { normalizeSpec } from "../src/runs/spec.js";
import { HttpError } from "../src/server/http.js";
import { sendStatic, WEB_ROOT } from "../src/server/static.js";
import { createBackend } from "../src/tensor/backend-select.js";
import { trainStep } from "../src/train/loop.js";
import { timeCalls } from "./timing.js";

/** A section of the page: its test id, its run-length parameter, and the CLI run of each of its labs. */
interface SectionSpec {
  readonly id: string;
  readonly param: string;
  readonly steps: number;
  readonly cli: readonly (readonly string[])[];
}

const GROMOV_SMALL = ["gromov", "task.p=41", "model.width=128"];
const PRIETO_SMALL = ["task.p=23", "model.width=64"];

/** Every section, with the run length the bench trains (the page's default, or enough to grok for sparse parity). */
export const SECTIONS: readonly SectionSpec[] = [
  { id: "five", param: "five_steps", steps: 2000, cli: [["pair-five-neuron"]] },
  { id: "parity", param: "parity_steps", steps: 4000, cli: [["sparse-parity", "optimizer.weight_decay=0.3"]] }, // the slider's start
  { id: "gromov", param: "gromov_steps", steps: 300, cli: [GROMOV_SMALL] },
  { id: "collapse", param: "collapse_steps", steps: 2000, cli: [["prieto-softmax", ...PRIETO_SMALL], ["prieto-stablemax", ...PRIETO_SMALL]] },
  { id: "efficiency", param: "efficiency_steps", steps: 200, cli: [GROMOV_SMALL] },
  { id: "complexity", param: "complexity_steps", steps: 400, cli: [GROMOV_SMALL] },
  { id: "llc", param: "llc_steps", steps: 200, cli: [GROMOV_SMALL] },
];

export interface BrowserBenchOptions {
  /** Section ids to run (default all), each with its run length (default SECTIONS' steps). */
  readonly sections?: readonly { readonly id: string; readonly steps?: number }[];
  /** wasm threads per lab in the page (default 1). */
  readonly threads?: number;
  /** The browser binary (default $GROKSCOPE_CHROMIUM or /usr/bin/chromium). */
  readonly chromium?: string;
  /** The built UI (default dist/web of this installation). */
  readonly webRoot?: string;
}

export interface SectionBenchResult {
  readonly section: string;
  /** The CLI command(s) that train the same model (one per lab). */
  readonly cli: string[];
  /** The backend the page trained on, as the section reports it ("wasm", "js", …). */
  readonly backend: string;
  readonly steps: number;
  /** Wall time from pressing Train until the page has drawn the last step. */
  readonly seconds: number;
  /** steps / seconds, with the page drawing as it goes (evaluations and measures included). */
  readonly steps_per_second: number;
  /** Steps per second of the worker's own training steps (slowest lab; no evaluations, measures or messages). */
  readonly train_steps_per_second: number;
  /**
   * The same model's training steps per second in Node, wasm backend, one thread (slowest lab; mean of the rates
   * timed just before and just after the page's run).
   */
  readonly cli_steps_per_second: number;
  /** train_steps_per_second / cli_steps_per_second (target ≥ 0.7). */
  readonly ratio: number;
  /** First evaluation with test accuracy ≥ 99% (null if none), and the wall time from Train until the page showed it. */
  readonly grok_step: number | null;
  readonly grok_seconds: number | null;
  /** Animation frames the page rendered per second while training, and the longest gap between two of them. */
  readonly frames_per_second: number;
  readonly max_frame_gap_ms: number;
  /** Frames in which the section drew new progress. */
  readonly progress_frames: number;
}

export interface BrowserBenchResult {
  readonly sections: SectionBenchResult[];
  readonly threads: number;
  readonly cross_origin_isolated: boolean;
  readonly targets: { readonly ratio: 0.7; readonly frames_per_second: 55; readonly max_frame_gap_ms: 100 };
  readonly load_average_1min: { readonly before: number; readonly after: number };
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

/** Training steps per second of one CLI run's model in Node on wasm×1 (mean over up to `steps` steps, ≤ ~2 s). */
async function cliStepsPerSecond([preset, ...sets]: readonly string[], steps: number): Promise<number> {
  const backend = await createBackend("wasm", { threads: 1 });
  try {
    const { setup, state } = await buildSetup(normalizeSpec(applyOverrides(presetSpec(preset), sets)), { backend });
    const t = timeCalls(() => void trainStep(setup, state), 20, steps, 2000);
    return 1000 / t.mean_ms;
  } finally {
    backend.dispose();
  }
}

const cliText = ([preset, ...sets]: readonly string[]): string => ["grokscope train", preset, ...sets.map((s) => `--set ${s}`), "--set backend=wasm --set threads=1"].join(" ");

interface PageTiming {
  ms: number;
  grokMs: number | null;
  frameTimes: number[];
  progressFrames: number;
  stepMs: number;
  backend: string;
  grokStep: string;
}

/** Presses the section's Train and records, until it is done, every animation frame and when it showed a grok. */
function timeSection(id: string): Promise<PageTiming> {
  return new Promise((resolve) => {
    const section = document.querySelector(`[data-testid="${id}"]`)!;
    const frameTimes: number[] = [];
    let grokMs: number | null = null;
    let done = false;
    const frame = (t: number): void => {
      frameTimes.push(t);
      if (!done) requestAnimationFrame(frame);
    };
    const observer = new MutationObserver(() => {
      if (grokMs === null && section.getAttribute("data-grok-step")) grokMs = performance.now() - t0;
      if (section.getAttribute("data-done") !== "true") return;
      done = true;
      observer.disconnect();
      resolve({
        ms: performance.now() - t0,
        grokMs,
        frameTimes,
        progressFrames: Number(section.getAttribute("data-frames")),
        stepMs: Number(section.getAttribute("data-step-ms")),
        backend: section.getAttribute("data-backend") ?? "",
        grokStep: section.getAttribute("data-grok-step") ?? "",
      });
    });
    observer.observe(section, { attributes: true });
    const t0 = performance.now();
    requestAnimationFrame(frame);
    (document.querySelector(`[data-testid="${id}-train"]`) as HTMLButtonElement).click();
  });
}

export async function benchBrowser(opts: BrowserBenchOptions = {}): Promise<BrowserBenchOutcome> {
  const threads = opts.threads ?? 1;
  const sections = opts.sections ? opts.sections.map(({ id, steps }) => ({ ...SECTIONS.find((s) => s.id === id)!, ...(steps ? { steps } : {}) })) : SECTIONS;
  const chromiumPath = opts.chromium ?? process.env.GROKSCOPE_CHROMIUM ?? "/usr/bin/chromium";
  const root = opts.webRoot ?? WEB_ROOT;
  if (!existsSync(chromiumPath)) return { skipped: `no Chromium at ${chromiumPath}` };
  if (!existsSync(join(root, "index.html"))) return { skipped: `the web lab is not built (${root}): npm run build:web` };
  const loadBefore = loadavg()[0];
  const { chromium } = await import("playwright-core");
  const { url, server } = await serveStatic(root);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  try {
    const results: SectionBenchResult[] = [];
    let isolated = false;
    for (const s of sections) {
      // the slowest lab's rate, timed just before and just after the page trains (the machine's load drifts)
      const cliRate = async () => Math.min(...(await Promise.all(s.cli.map((c) => cliStepsPerSecond(c, s.steps)))));
      const cliBefore = await cliRate();
      // a fresh page per section, so no other section's worker trains beside it
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${url}#/explore?${s.param}=${s.steps}&threads=${threads}`);
      // every section's worker has built its model and evaluated step 0 (until then they load the cores)
      await page.waitForFunction(() => Array.from(document.querySelectorAll("section.lab")).every((e) => e.getAttribute("data-backend") !== ""), null, { timeout: 120_000 });
      isolated = await page.evaluate(() => crossOriginIsolated);
      await page.locator(`[data-testid="${s.id}-train"]`).scrollIntoViewIfNeeded(); // the section's pictures and charts on screen
      const timed = await page.evaluate(timeSection, s.id);
      await page.close();
      const cli = (cliBefore + (await cliRate())) / 2;
      if (errors.length > 0) throw new Error(`the page failed in section ${s.id}: ${errors.join("; ")}`);
      const seconds = timed.ms / 1000;
      const span = timed.frameTimes[timed.frameTimes.length - 1] - timed.frameTimes[0];
      const gaps = timed.frameTimes.slice(1).map((t, i) => t - timed.frameTimes[i]);
      const train = (1000 * s.steps) / timed.stepMs;
      results.push({
        section: s.id,
        cli: s.cli.map(cliText),
        backend: timed.backend,
        steps: s.steps,
        seconds,
        steps_per_second: s.steps / seconds,
        train_steps_per_second: train,
        cli_steps_per_second: cli,
        ratio: train / cli,
        grok_step: timed.grokStep === "" ? null : Number(timed.grokStep),
        grok_seconds: timed.grokMs === null ? null : timed.grokMs / 1000,
        frames_per_second: (1000 * gaps.length) / span,
        max_frame_gap_ms: Math.max(...gaps),
        progress_frames: timed.progressFrames,
      });
    }
    return {
      sections: results,
      threads,
      cross_origin_isolated: isolated,
      targets: { ratio: 0.7, frames_per_second: 55, max_frame_gap_ms: 100 },
      load_average_1min: { before: loadBefore, after: loadavg()[0] },
      browser: browser.version(),
    };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** One line per section, for a terminal (bench/run.ts prints the same). */
export function browserTable(r: BrowserBenchResult): string {
  const f = (x: number | null, d = 0) => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(d));
  const head = ["section", "backend", "steps", "train/s", "cli/s", "ratio", "animated/s", "grok (s)", "fps", "max gap (ms)"];
  const rows = r.sections.map((s) => [s.section, s.backend, String(s.steps), f(s.train_steps_per_second), f(s.cli_steps_per_second), f(s.ratio, 2), f(s.steps_per_second), s.grok_step === null ? "—" : `${f(s.grok_seconds, 1)} @${s.grok_step}`, f(s.frames_per_second), f(s.max_frame_gap_ms)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const sections: { id: string; steps?: number }[] = [];
  let threads = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--threads") threads = Number(argv[++i]);
    else {
      const [id, steps] = argv[i].split("=");
      sections.push({ id, ...(steps !== undefined ? { steps: Number(steps) } : {}) });
    }
  }
  const bad = sections.filter((s) => !SECTIONS.some((k) => k.id === s.id) || (s.steps !== undefined && !(Number.isInteger(s.steps) && s.steps >= 1)));
  if (!(Number.isInteger(threads) && threads >= 1) || bad.length > 0) {
    console.error(`usage: node dist/bench/browser.js [section[=steps] …] [--threads N]   (sections: ${SECTIONS.map((s) => s.id).join(", ")})`);
    process.exit(2);
  }
  benchBrowser({ sections: sections.length > 0 ? sections : undefined, threads }).then(
    (r) => {
      if (!("skipped" in r)) console.error(browserTable(r));
      console.log(JSON.stringify(r));
    },
    (e: unknown) => {
      console.error(`bench/browser: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
