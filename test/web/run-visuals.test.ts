/**
 * The run page's weight views and the sweeps page's additions in a real browser (playwright-core driving the system's
 * Chromium): a small gromov run trained by the CLI shows U as a heatmap (blue and vermillion pixels on the canvas),
 * the step slider moved from the keyboard redraws it at another checkpoint, the Fourier spectrum has one bar per
 * frequency and the embedding circle one point per residue; a sweep page draws its grok steps; the sweep form refuses
 * a bad axis key with the server's message naming it, then starts a tiny sweep whose progress reaches done live.
 * Screenshots go to $GROKSCOPE_SCREENSHOTS (default: a temp folder). Skipped with a notice when Chromium is missing,
 * except in CI (CI=true), where it is required.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { RunSummary } from "../../src/runs/run.js";
import { openStore } from "../../src/runs/store.js";
import { normalizeSweep } from "../../src/sweeps/spec.js";
import { beginSweep, recordSweepResult } from "../../src/sweeps/sweep-store.js";
import { browserOrSkip, labFolder, openPage, serveCli } from "../helpers/browser.js";
import { lastJson, runCliAsync } from "../helpers/cli.js";

/** A 3-cell sweep with synthetic summaries: weight decay 0.1 groks at steps 200 and 260, 0.3 at 150 and 180, 1 never. */
async function recordSweep(dataDir: string): Promise<void> {
  const sweep = normalizeSweep({ name: "grok-demo", base: "gromov", spec: { steps: 300 }, axes: { "optimizer.weight_decay": [0.1, 0.3, 1] }, seeds: [1, 2] });
  const GROK: Record<string, [number | null, number | null]> = { "0.1": [200, 260], "0.3": [150, 180], "1": [null, null] };
  const store = await openStore(dataDir);
  try {
    const { runs } = await beginSweep(store, sweep, { specJson: { spec: null, axes: sweep.axes, seeds: sweep.seeds, classify: {}, base: sweep.base } });
    for (const ref of runs) {
      const grok = GROK[String(ref.cell["optimizer.weight_decay"])][ref.seed - 1];
      const rows = [0, 100, 200, 300].flatMap((step) => [
        { step, key: "train_acc", value: step >= 100 ? 1 : 0 },
        { step, key: "test_acc", value: grok !== null && step >= grok ? 1 : 0.05 },
        { step, key: "train_loss", value: step >= 100 ? 1e-6 : 2 },
        { step, key: "test_loss", value: grok !== null && step >= grok ? 1e-6 : 3 },
      ]);
      const summary: RunSummary = { run_id: ref.runId, preset: "gromov", seed: ref.seed, steps: 300, train_acc: 1, test_acc: grok === null ? 0.05 : 1, train_loss: 1e-6, test_loss: grok === null ? 3 : 1e-6, memorize_step: 100, grok_step: grok, grok_delay: grok === null ? null : grok - 100, final_measures: {}, backend: "js", seconds: 0, run_dir: join(dataDir, ref.runId) };
      await recordSweepResult(store, "grok-demo", ref, { summary, rows, runDir: summary.run_dir, spec: {}, preset: "gromov" }, {});
    }
  } finally {
    await store.close();
  }
}

/** Pixels of the heatmap canvas near the scale's two ends (blue #0072B2, vermillion #D55E00) and a hash of all. */
async function heatmapPixels(page: Page): Promise<{ blue: number; red: number; hash: number }> {
  return page.$eval('[data-testid="weight-heatmap"] canvas', (c) => {
    const px = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    let blue = 0, red = 0, hash = 0;
    for (let i = 0; i < px.length; i += 4) {
      hash = (hash * 31 + px[i] + 7 * px[i + 1] + 13 * px[i + 2]) | 0;
      if (px[i + 3] < 200) continue;
      if (px[i + 2] > px[i] + 60) blue++;
      if (px[i] > px[i + 2] + 60) red++;
    }
    return { blue, red, hash };
  });
}

test("web lab: weights heatmap with a step scrubber, Fourier spectrum and circle, grok steps, sweep form", { timeout: 300_000 }, async (t) => {
  if (!browserOrSkip(t, "run-visuals")) return;
  const lab = labFolder(t, "grokscope-visuals-");
  const { data, shots } = lab;
  const trained = await runCliAsync(["train", "gromov", "--steps", "300", "--set", "model.width=128", "--set", "checkpoint_every=50", "--set", "checkpoint_log_points=null", "--set", "eval.every=25", "--quiet", "--data-dir", data]);
  assert.equal(trained.code, 0, trained.stderr);
  const runId = String(lastJson(trained.stdout).run_id);
  await recordSweep(data);
  const url = await serveCli(lab);
  const { page, problems: pageErrors } = await openPage(lab);

  // The run page: U at the last checkpoint, drawn in both colours of the diverging scale.
  await page.goto(`${url}#/runs/${encodeURIComponent(runId)}`);
  await page.waitForSelector('[data-testid="weight-heatmap"] canvas');
  assert.equal(await page.locator('[data-testid="scrub-step"]').innerText(), "300");
  assert.equal(await page.locator('[data-testid="tensor-picker"]').inputValue(), "U");
  assert.match(await page.locator('[data-testid="heatmap-caption"]').innerText(), /U \[128 × 97\] at step 300/);
  await page.waitForTimeout(200);
  const last = await heatmapPixels(page);
  assert.ok(last.blue > 2000 && last.red > 2000, `the heatmap draws negative and positive weights (blue ${last.blue} px, vermillion ${last.red} px)`);

  // Spectrum: one bar per frequency 1 … 48; circle: one labelled point per residue.
  await page.waitForSelector('[data-testid="spectrum"] rect');
  assert.equal(await page.locator('[data-testid="spectrum"] rect').count(), 48);
  const tallest = await page.$$eval('[data-testid="spectrum"] rect', (rs) => Math.max(...rs.map((r) => Number(r.getAttribute("height")))));
  assert.ok(tallest > 20, `the spectrum's tallest bar is drawn (${tallest} px)`);
  assert.equal(await page.locator('[data-testid="embedding-circle"] circle').count(), 97);
  assert.equal(await page.locator('[data-testid="embedding-circle"] text').filter({ hasText: /^96$/ }).count(), 1, "points are labelled by residue");
  await page.locator(".weights").screenshot({ path: join(shots, "run-weights-last.png") });

  // The scrubber from the keyboard: Home goes to the first checkpoint (the initialization), and the heatmap is redrawn.
  await page.locator('[data-testid="step-slider"]').focus();
  await page.keyboard.press("Home");
  await page.waitForFunction(() => /at step 0\b/.test(document.querySelector('[data-testid="heatmap-caption"]')?.textContent ?? ""));
  assert.equal(await page.locator('[data-testid="scrub-step"]').innerText(), "0");
  await page.waitForTimeout(200);
  const first = await heatmapPixels(page);
  assert.notEqual(first.hash, last.hash, "the heatmap at step 0 differs from the one at step 300");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => /at step 100\b/.test(document.querySelector('[data-testid="heatmap-caption"]')?.textContent ?? ""));
  await page.waitForFunction(() => /step 100\b/.test(document.querySelector(".weights h3")?.textContent ?? ""));
  await page.locator(".weights").screenshot({ path: join(shots, "run-weights-step100.png") });
  await page.locator('[data-testid="tensor-picker"]').selectOption("W");
  await page.waitForFunction(() => /W \[97 × 128\]/.test(document.querySelector('[data-testid="heatmap-caption"]')?.textContent ?? ""));

  // A sweep's grok steps: one dot per run that grokked (4), and the cell where none did says so.
  await page.goto(`${url}#/sweeps/grok-demo`);
  await page.waitForSelector('[data-testid="grok-steps"]');
  await page.waitForFunction(() => (document.querySelector("img.phases") as HTMLImageElement | null)?.naturalWidth! > 100);
  assert.equal(await page.locator('[data-testid="grok-steps"] circle').count(), 4);
  assert.match(await page.locator('[data-testid="grok-steps"]').innerHTML(), /no run grokked \(0\/2\)/);
  await page.screenshot({ path: join(shots, "sweep-grok-steps.png"), fullPage: true });

  // The sweep form: a bad axis key is refused with the message naming it; fixed, the sweep starts and finishes live.
  await page.goto(`${url}#/sweeps`);
  await page.getByText("Start a sweep").click();
  await page.getByLabel("Sweep preset").selectOption("omnigrok-init");
  await page.getByLabel("Name").fill("form-mini");
  await page.getByLabel("Seeds").fill("1");
  await page.getByLabel("Axis key").first().fill("model.init_scal");
  await page.getByLabel("Values").first().fill("[1]");
  await page.getByLabel("Values").nth(1).fill("[0, 1]");
  await page.getByLabel("Key", { exact: true }).first().fill("steps");
  await page.getByLabel("Value", { exact: true }).first().fill("20");
  await page.getByRole("button", { name: "Start sweep" }).click();
  const alert = page.locator('[data-testid="sweep-error"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /axes\.model\.init_scal/);
  await page.screenshot({ path: join(shots, "sweep-form-error.png"), fullPage: true });
  await page.getByLabel("Axis key").first().fill("model.init_scale");
  await page.getByRole("button", { name: "Start sweep" }).click();
  await page.getByRole("status").filter({ hasText: "Started sweep form-mini (2 runs)" }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('tr[data-sweep="form-mini"] [data-testid="sweep-done"]')?.textContent === "2", null, { timeout: 120_000 });
  await page.screenshot({ path: join(shots, "sweeps-started.png"), fullPage: true });

  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
});
