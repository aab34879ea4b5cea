/**
 * The web lab in a real browser (playwright-core driving the system's Chromium; no browser is downloaded): `grokscope
 * serve` over a temp store, a run started from the CLI appears on the runs page and its step moves without a reload,
 * the run page draws its loss and accuracy curves (pixels of the train and test colours on the canvases), and the
 * sweep and compare pages render. Screenshots of each page go to $GROKSCOPE_SCREENSHOTS (default: a temp folder,
 * printed). Skipped with a notice when Chromium is missing, except in CI (CI=true), where it is required.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { RunSummary } from "../../src/runs/run.js";
import { openStore } from "../../src/runs/store.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { normalizeSweep } from "../../src/sweeps/spec.js";
import { beginSweep, recordSweepResult } from "../../src/sweeps/sweep-store.js";
import { browserOrSkip, labFolder, openPage, serveCli, stop } from "../helpers/browser.js";
import { BIN } from "../helpers/cli.js";

/** A 2 × 2 sweep with synthetic histories (weight decay 0.1 groks at step 200 for both seeds; 1 never groks). */
async function recordSweep(dataDir: string): Promise<void> {
  const sweep = normalizeSweep({ name: "wd-demo", base: "gromov", spec: { steps: 300 }, axes: { "optimizer.weight_decay": [0.1, 1], "model.width": [64, 128] }, seeds: [1, 2] });
  const store = await openStore(dataDir);
  try {
    const { runs } = await beginSweep(store, sweep, { specJson: { spec: null, axes: sweep.axes, seeds: sweep.seeds, classify: {}, base: sweep.base } });
    for (const ref of runs) {
      const groks = ref.cell["optimizer.weight_decay"] === 0.1;
      const rows = [0, 50, 100, 150, 200, 250, 300].flatMap((step) => [
        { step, key: "train_acc", value: Math.min(1, step / 100) },
        { step, key: "test_acc", value: groks && step >= 200 ? 1 : 0.05 },
        { step, key: "train_loss", value: step >= 100 ? 1e-6 : 2 - step / 60 },
        { step, key: "test_loss", value: groks && step >= 200 ? 1e-6 : 3 },
      ]);
      const summary: RunSummary = { run_id: ref.runId, preset: "gromov", seed: ref.seed, steps: 300, train_acc: 1, test_acc: groks ? 1 : 0.05, train_loss: 1e-6, test_loss: groks ? 1e-6 : 3, memorize_step: 100, grok_step: groks ? 200 : null, grok_delay: groks ? 100 : null, final_measures: {}, backend: "js", seconds: 0, run_dir: join(dataDir, ref.runId) };
      const spec = normalizeSpec({ ...sweep.runs[ref.index].config, seed: ref.seed });
      await recordSweepResult(store, "wd-demo", ref, { summary, rows, runDir: summary.run_dir, spec, preset: "gromov" }, {});
    }
  } finally {
    await store.close();
  }
}

/** Per chart canvas: how many pixels are close to each of `colors` (the series' strokes). */
async function colorCounts(page: Page, selector: string, colors: readonly string[]): Promise<number[][]> {
  return page.$$eval(
    `${selector} canvas`,
    (canvases, hexes) => {
      const rgb = hexes.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
      return (canvases as HTMLCanvasElement[]).map((c) => {
        const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        const counts = rgb.map(() => 0);
        for (let i = 0; i < px.length; i += 4) {
          if (px[i + 3] < 200) continue;
          rgb.forEach(([r, g, b], k) => {
            if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 40) counts[k]++;
          });
        }
        return counts;
      });
    },
    colors,
  );
}

test("web lab: live runs list, run page charts, sweep and compare pages (screenshots saved)", { timeout: 300_000 }, async (t) => {
  if (!browserOrSkip(t, "web lab")) return;
  const lab = labFolder(t, "grokscope-web-");
  const { data, shots } = lab;
  await recordSweep(data);
  const url = await serveCli(lab);
  const { page, problems: pageErrors } = await openPage(lab);

  await page.goto(`${url}#/runs`);
  await page.waitForSelector('[data-testid="runs-table"]');

  // A run started from the CLI shows up without a reload, and its step moves.
  const args = ["train", "gromov", "--steps", "600", "--set", "model.width=128", "--set", "checkpoint_every=30", "--set", "eval.every=10", "--quiet", "--data-dir", data];
  const train: ChildProcess = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  lab.defer(() => stop(train));
  let trainErr = "";
  train.stderr!.on("data", (d) => (trainErr += d));
  const trainExit = new Promise<number | null>((resolve) => train.on("exit", (code) => resolve(code)));
  const row = page.locator('tr[data-run^="gromov-"]');
  await row.waitFor({ timeout: 60_000 });
  const seen = new Set<string>();
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    // Status first, then the step: a row that already reads "done" also shows its final step, whereas the step read
    // before a refresh that lands between the two reads would miss it.
    const done = (await row.locator(".status").innerText()) === "done";
    seen.add(await row.locator('[data-testid="step"]').innerText());
    if (done) break;
    await page.waitForTimeout(100);
  }
  assert.equal(await trainExit, 0, trainErr);
  assert.ok(seen.size >= 2, `the step shown changed while the page stayed open (seen: ${[...seen].join(" | ")})`);
  assert.ok(seen.has("600 / 600"), `the final step is shown (seen: ${[...seen].join(" | ")})`);
  // the finished run's summary (its final test accuracy) replaces the dash without a reload
  await page.waitForFunction((id) => /\d%$/.test(document.querySelector(`tr[data-run="${id}"] td:nth-child(8)`)?.textContent?.trim() ?? ""), await row.getAttribute("data-run"), { timeout: 15_000 });
  await page.screenshot({ path: join(shots, "runs.png"), fullPage: true });

  // The run page: loss and accuracy curves in the train (blue) and test (vermillion) colours, markers, small multiples.
  await row.locator("a").first().click();
  await page.waitForSelector(".main-charts canvas");
  await page.waitForFunction(() => document.querySelectorAll(".main-charts canvas").length === 2 && document.querySelectorAll(".multiples canvas").length >= 2);
  const counts = await colorCounts(page, ".main-charts", ["#0072B2", "#D55E00"]);
  assert.equal(counts.length, 2);
  for (const [i, [train_, test_]] of counts.entries()) {
    assert.ok(train_ > 100 && test_ > 100, `chart ${i} draws both curves (train ${train_} px, test ${test_} px)`);
  }
  const multiples = await colorCounts(page, ".multiples", ["#0072B2", "#009E73"]);
  for (const [i, [a, b]] of multiples.entries()) assert.ok(a + b > 50, `small multiple ${i} draws its curve (${a + b} px)`);
  assert.match(await page.locator(".main-charts").innerText(), /train loss[\s\S]*test loss/);
  assert.equal(await page.locator('[data-testid="run-status"]').innerText(), "done");
  await page.screenshot({ path: join(shots, "run.png"), fullPage: true });
  await page.getByLabel("log", { exact: true }).check();
  await page.waitForTimeout(300);
  const logCounts = await colorCounts(page, ".main-charts", ["#0072B2", "#D55E00"]);
  for (const [i, [a, b]] of logCounts.entries()) assert.ok(a > 100 && b > 100, `log-step chart ${i} draws both curves`);
  await page.screenshot({ path: join(shots, "run-log-steps.png"), fullPage: true });

  // Sweeps: the list, the phase diagram from the server, the cell table linking to runs.
  await page.goto(`${url}#/sweeps`);
  await page.getByRole("link", { name: "wd-demo" }).click();
  const img = page.locator("img.phases");
  await img.waitFor();
  await page.waitForFunction(() => (document.querySelector("img.phases") as HTMLImageElement | null)?.naturalWidth! > 100);
  assert.equal(await page.locator('table[aria-label="Grid cells"] tbody tr').count(), 4);
  assert.equal(await page.locator('table[aria-label="Grid cells"] a').count(), 8, "each cell links to its 2 runs");
  await page.screenshot({ path: join(shots, "sweep.png"), fullPage: true });

  // Compare: two sweep runs overlaid, and the spec key that differs between them.
  await page.goto(`${url}#/compare?runs=wd-demo-0000,wd-demo-0004`);
  await page.waitForSelector(".chart canvas");
  const diff = await page.locator('table[aria-label="Spec differences"]').innerText();
  assert.match(diff, /optimizer\.weight_decay/);
  await page.screenshot({ path: join(shots, "compare.png"), fullPage: true });

  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
});
