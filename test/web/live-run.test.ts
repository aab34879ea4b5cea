/**
 * A running run's page moves at each evaluation, not at each checkpoint, and the weights scrubber plays the
 * checkpoints as an animation — in a real browser (playwright-core driving the system's Chromium). A run with no
 * checkpoint due before its end (only step 0) shows evaluations at later steps as it trains; a finished run's
 * checkpoints are stepped through in order by Play, from step 0 to the last, and Pause holds the frame.
 * Screenshots go to $GROKSCOPE_SCREENSHOTS (default: a temp folder).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { plannedCheckpointSteps } from "../../src/runs/checkpoint.js";
import { browserOrSkip, labFolder, openPage, serveCli, stop } from "../helpers/browser.js";
import { BIN, lastJson, runCliAsync } from "../helpers/cli.js";

const lastX = (page: Page): Promise<number> => page.locator(".main-charts figure").first().getAttribute("data-last-x").then(Number);
const shownStep = (page: Page): Promise<number> => page.locator('[data-testid="scrub-step"]').innerText().then((s) => Number(s.replace(/,/g, "")));

test("a running run's charts move at each evaluation; Play steps through the checkpoints (screenshots saved)", { timeout: 240_000 }, async (t) => {
  if (!browserOrSkip(t, "live run")) return;
  const lab = labFolder(t, "grokscope-live-");
  const { data, shots } = lab;
  // a finished run with 9 checkpoints: step 0 and 8 log-spaced steps (the last of them the end)
  const planned = plannedCheckpointSteps({ steps: 120, checkpoint_every: 1000, checkpoint_log_points: 8 });
  assert.equal(planned.length, 9);
  const done = await runCliAsync(["train", "gromov", "--steps", "120", "--set", "model.width=64", "--set", "eval.every=10", "--set", "checkpoint_every=1000", "--set", "checkpoint_log_points=8", "--quiet", "--data-dir", data]);
  assert.equal(done.code, 0, done.stderr);
  const finished = String(lastJson(done.stdout).run_id);
  const url = await serveCli(lab);
  const { page, problems } = await openPage(lab);

  // A long run that checkpoints only at step 0 before its end: whatever the page shows past 0 came from evaluations.
  const liveDir = join(data, "live-run");
  const args = ["train", "gromov", "--steps", "1000000", "--set", "task.p=31", "--set", "model.width=32", "--set", "eval.every=20", "--set", "checkpoint_every=10000000", "--set", "checkpoint_log_points=null", "--quiet", "--data-dir", data, "--out", liveDir];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  lab.defer(() => stop(child));
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const specPath = join(liveDir, "spec.json");
  for (let i = 0; i < 600 && !existsSync(specPath); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(specPath), `the run started: ${err}`);
  await new Promise((r) => setTimeout(r, 100)); // spec.json is complete once its run is recorded
  const live = String(JSON.parse(readFileSync(specPath, "utf8")).run_id);

  await page.goto(`${url}#/runs/${encodeURIComponent(live)}`);
  await page.waitForSelector('[data-testid="run-status"]');
  await page.waitForFunction(() => Number(document.querySelector(".main-charts figure")?.getAttribute("data-last-x")) > 0, null, { timeout: 60_000 });
  const first = await lastX(page);
  await page.waitForFunction((x) => Number(document.querySelector(".main-charts figure")?.getAttribute("data-last-x")) > x, first, { timeout: 60_000 });
  const second = await lastX(page);
  assert.equal(await page.locator('[data-testid="run-status"]').innerText(), "running");
  const checkpoints = await page.locator("ul.checkpoints li").allInnerTexts();
  assert.deepEqual(checkpoints.map((c) => c.split(" (")[0]), ["step 0"], "no checkpoint but step 0 yet");
  for (const x of [first, second]) assert.ok(x > 0 && x % 20 === 0, `the charts reach evaluation step ${x}, which is not a checkpoint`);
  assert.ok(Number((await page.locator(".main-charts figure").first().getAttribute("data-points")) ?? 0) >= 3, "the curve has several evaluations");
  await page.screenshot({ path: join(shots, "live-run.png"), fullPage: true });
  await stop(child);

  // Play: every checkpoint in order, from step 0 (the run opened on its last, 120) to the end; the button says Play again.
  await page.goto(`${url}#/runs/${encodeURIComponent(finished)}`);
  await page.waitForSelector('[data-testid="sorted-units"]');
  assert.equal(await shownStep(page), 120);
  const sliderMax = Number(await page.locator('[data-testid="step-slider"]').getAttribute("max"));
  assert.equal(sliderMax + 1, planned.length, "a slider position per checkpoint");
  assert.match(await page.locator('[data-testid="scrub-note"]').innerText(), /^train \d+\.\d%, test \d+\.\d% at this step$/);
  const play = page.locator('[data-testid="play"]');
  assert.equal(await play.innerText(), "▶ Play");
  await play.click();
  const seen: number[] = [];
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const s = await shownStep(page);
    if (seen[seen.length - 1] !== s) {
      seen.push(s);
      if (seen.length === 4) await page.locator(".weights").screenshot({ path: join(shots, "play-frame-4.png") });
    }
    if ((await play.innerText()) === "▶ Play") break;
    await page.waitForTimeout(50);
  }
  assert.equal(seen[0], 0, `playing starts again from step 0: ${seen.join(", ")}`);
  assert.equal(seen[seen.length - 1], 120, `and ends at the last checkpoint: ${seen.join(", ")}`);
  assert.deepEqual(seen, planned, "each checkpoint is a frame, in order");
  assert.equal(await play.getAttribute("aria-pressed"), "false");

  // Pause holds the frame.
  await play.click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="scrub-step"]')?.textContent) > 0, null, { timeout: 30_000 });
  await play.click();
  const held = await shownStep(page);
  await page.waitForTimeout(1500);
  assert.equal(await shownStep(page), held, "paused");
  assert.ok(held > 0 && held < 120);
  await page.screenshot({ path: join(shots, "play-paused.png"), fullPage: true });

  assert.deepEqual(problems, [], "no uncaught errors in the page");
});
