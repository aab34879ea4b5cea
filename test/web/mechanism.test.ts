/**
 * The run page shows the mechanism, in a real browser (playwright-core driving the system's Chromium): a gromov run's
 * neurons sorted by dominant frequency (the rows' frequencies never decrease) with each neuron's spectrum, drawn in
 * both colours of the diverging scale; a transformer's W_E in the Fourier basis; a sparse-parity run opening on W_0
 * (not a bias) with its relevant bits marked. And the smaller things: a steps = 0 run draws its one evaluation, a
 * killed run's step axis ends at its last step (not the 10⁹ planned), long run ids keep the runs table on screen,
 * compare draws one metric as one solid line per run, and an MSE sweep's page names the accuracy form of PAIR's
 * rule it is classified by. The interventions panel zeroes gromov's hidden layer: test accuracy falls to chance. Screenshots go to $GROKSCOPE_SCREENSHOTS (default: a temp folder).
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

const LONG_ID = `gromov-${"wide-grid-weight-decay-scan-".repeat(5)}0001`;

/** A killed run (10⁹ steps planned, 300 reached), a run with a long id, and a 2-cell MSE sweep with gromov-like accuracies. */
async function recordRuns(dataDir: string): Promise<void> {
  const store = await openStore(dataDir);
  try {
    const rows = [0, 100, 200, 300].flatMap((step) => [
      { step, key: "train_loss", value: 1e-2 / (1 + step) },
      { step, key: "test_loss", value: 1.2e-2 / (1 + step / 2) },
      { step, key: "train_acc", value: step >= 100 ? 1 : 0.01 },
      { step, key: "test_acc", value: step >= 200 ? 1 : 0.01 },
    ]);
    await store.recordRun({ runId: "gromov-killed", preset: "gromov", seed: 1, steps: 1e9, spec: { loss: "mse" }, runDir: join(dataDir, "gromov-killed"), status: "killed", step: 300 });
    await store.appendMetrics("gromov-killed", rows);
    await store.recordRun({ runId: LONG_ID, preset: "gromov", seed: 1, steps: 300, spec: {}, runDir: join(dataDir, LONG_ID), status: "done", step: 300 });

    const sweep = normalizeSweep({ name: "mse-demo", base: "gromov", spec: { steps: 300 }, axes: { "optimizer.weight_decay": [0, 5] }, seeds: [1] });
    const { runs } = await beginSweep(store, sweep, { specJson: { spec: null, axes: sweep.axes, seeds: sweep.seeds, classify: {}, base: sweep.base } });
    for (const ref of runs) {
      const groks = ref.cell["optimizer.weight_decay"] === 5;
      // MSE losses stay near 1e-3 at 100% accuracy: PAIR's 1e-5 loss threshold would call both "high train loss"
      const hist = [0, 100, 200, 300].flatMap((step) => [
        { step, key: "train_loss", value: step === 0 ? 1e-2 : 1e-3 },
        { step, key: "test_loss", value: step === 0 ? 1e-2 : groks && step >= 200 ? 1.1e-3 : 1e-2 },
        { step, key: "train_acc", value: step === 0 ? 0.01 : 1 },
        { step, key: "test_acc", value: groks && step >= 200 ? 1 : 0.02 },
      ]);
      const summary: RunSummary = { run_id: ref.runId, preset: "gromov", seed: ref.seed, steps: 300, train_acc: 1, test_acc: groks ? 1 : 0.02, train_loss: 1e-3, test_loss: groks ? 1.1e-3 : 1e-2, memorize_step: 100, grok_step: groks ? 200 : null, grok_delay: groks ? 100 : null, final_measures: {}, backend: "js", seconds: 0, run_dir: join(dataDir, ref.runId) };
      await recordSweepResult(store, "mse-demo", ref, { summary, rows: hist, runDir: summary.run_dir, spec: { loss: "mse" }, preset: "gromov" }, {});
    }
  } finally {
    await store.close();
  }
}

/** Pixels of a canvas near the diverging scale's ends (blue, vermillion) or the sequential scale's top (blue). */
async function canvasColours(page: Page, selector: string): Promise<{ blue: number; red: number }> {
  return page.$eval(`${selector} canvas`, (c) => {
    const px = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    let blue = 0, red = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] < 200) continue;
      if (px[i + 2] > px[i] + 60) blue++;
      if (px[i] > px[i + 2] + 60) red++;
    }
    return { blue, red };
  });
}

async function trained(args: string[], data: string): Promise<string> {
  const r = await runCliAsync(["train", ...args, "--quiet", "--data-dir", data]);
  assert.equal(r.code, 0, r.stderr);
  return String(lastJson(r.stdout).run_id);
}

test("run page mechanism views, axes of killed and empty runs, long ids, compare, the phase rule named (screenshots saved)", { timeout: 300_000 }, async (t) => {
  if (!browserOrSkip(t, "mechanism")) return;
  const lab = labFolder(t, "grokscope-mechanism-");
  const { data, shots } = lab;
  const gromov = await trained(["gromov", "--steps", "150", "--set", "model.width=96", "--set", "checkpoint_every=150"], data);
  const parity = await trained(["sparse-parity", "--steps", "400", "--set", "checkpoint_every=400"], data);
  const nanda = await trained(["nanda-small", "--steps", "20", "--set", "checkpoint_every=20"], data);
  const empty = await trained(["gromov", "--steps", "0"], data);
  await recordRuns(data);
  const url = await serveCli(lab);
  const { page, problems } = await openPage(lab);

  // gromov: neurons sorted by dominant frequency, U and V in that order, and each neuron's spectrum
  await page.goto(`${url}#/runs/${gromov}`);
  await page.waitForSelector('[data-testid="sorted-units"] [data-testid="unit-spectra"] canvas');
  const peaks = (await page.locator('[data-testid="sorted-units"]').getAttribute("data-peaks"))!.split(",").map(Number);
  assert.equal(peaks.length, 64, "the first 64 rows' frequencies are exposed");
  for (let i = 1; i < peaks.length; i++) assert.ok(peaks[i] >= peaks[i - 1], `rows are sorted by dominant frequency: ${peaks.slice(0, 20).join(",")}…`);
  assert.ok(peaks[0] >= 1 && peaks[peaks.length - 1] <= 48);
  for (const which of ["sorted-U", "sorted-V"]) {
    const c = await canvasColours(page, `[data-testid="${which}"]`);
    assert.ok(c.blue > 2000 && c.red > 2000, `${which} draws negative and positive weights (blue ${c.blue} px, vermillion ${c.red} px)`);
  }
  assert.ok((await canvasColours(page, '[data-testid="unit-spectra"]')).blue > 500, "the spectra heatmap has coloured cells");
  const share = Number((await page.locator('[data-testid="peak-share"]').innerText()).replace("%", ""));
  assert.ok(share > 0 && share <= 100, `the dominant-frequency share is a percentage (${share})`);
  await page.locator(".weights").screenshot({ path: join(shots, "mechanism-gromov.png") });

  // interventions: zero every neuron of the hidden layer and the answer is gone (chance is 1/97); a bad index is named
  await page.waitForSelector('[data-testid="iv-hook"] option[value="hook_post"]', { state: "attached" });
  assert.equal(await page.locator('[data-testid="iv-hook"]').inputValue(), "hook_post");
  await page.locator('[data-testid="iv-run"]').click();
  await page.waitForSelector('[data-testid="iv-after"]');
  const beforeAfter = await page.$$eval('[data-testid="iv-results"] tbody tr', (rows) => rows.map((r) => Number((r as HTMLTableRowElement).cells[4].textContent!.split("%")[0])));
  assert.ok(beforeAfter[0] > 90 && beforeAfter[1] < 5, `test accuracy before / after zeroing hook_post: ${beforeAfter.join(" / ")}%`);
  await page.locator('[data-testid="iv-target"]').selectOption("neurons");
  await page.locator('[data-testid="iv-units"]').fill("3, 96");
  await page.locator('[data-testid="iv-run"]').click();
  assert.match(await page.locator('[data-testid="iv-error"]').innerText(), /^neurons: neuron 96 is out of range for hook "hook_post" \(96 units: 0 … 95\)/);
  await page.locator(".interventions").screenshot({ path: join(shots, "interventions-gromov.png") });

  // a transformer: W_E in the Fourier basis, a row per basis vector (const, cos 1, sin 1, …) with its norm
  await page.goto(`${url}#/runs/${nanda}`);
  await page.waitForSelector('[data-testid="fourier-basis"] canvas');
  assert.match((await page.locator('[data-testid="fourier-basis"]').getAttribute("aria-label"))!, /^embed\.W_E in the Fourier basis: 59 components by 32 embedding dimensions/);
  const fb = await canvasColours(page, '[data-testid="fourier-basis"]');
  assert.ok(fb.blue > 300 && fb.red > 300, `the Fourier-basis view is drawn (blue ${fb.blue} px, vermillion ${fb.red} px)`);
  await page.locator(".weights").screenshot({ path: join(shots, "mechanism-transformer.png") });

  // sparse parity: the tensor picker opens on W_0 (not b_0), and W_0 is drawn with its relevant bits marked
  await page.goto(`${url}#/runs/${parity}`);
  await page.waitForSelector('[data-testid="parity-weights"] canvas');
  assert.equal(await page.locator('[data-testid="tensor-picker"]').inputValue(), "W_0");
  assert.match((await page.locator('[data-testid="parity-weights"]').getAttribute("aria-label"))!, /31 inputs by 64 neurons, bits 0 to 2 marked as relevant/);
  const pw = await canvasColours(page, '[data-testid="parity-weights"]');
  assert.ok(pw.blue > 200 && pw.red > 200, `W_0 is drawn (blue ${pw.blue} px, vermillion ${pw.red} px)`);
  await page.locator(".weights").screenshot({ path: join(shots, "mechanism-parity.png") });

  // steps = 0: the one evaluation is drawn (points), not "no values yet"
  await page.goto(`${url}#/runs/${empty}`);
  await page.waitForSelector(".main-charts .uplot");
  assert.equal(await page.locator(".main-charts .uplot").count(), 2);
  assert.equal(await page.locator(".main-charts .empty").count(), 0);

  // a killed run's step axis ends at its last step, not at the 10⁹ steps it planned
  await page.goto(`${url}#/runs/gromov-killed`);
  await page.waitForSelector(".main-charts .uplot");
  assert.equal(await page.locator(".main-charts figure").first().getAttribute("data-x-max"), "300");
  await page.screenshot({ path: join(shots, "killed-run.png"), fullPage: true });

  // a long run id wraps in its cell: the runs table fits the window
  await page.goto(`${url}#/runs`);
  await page.waitForSelector(`tr[data-run="${LONG_ID}"]`);
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth, table: document.querySelector('[data-testid="runs-table"]')!.getBoundingClientRect().right }));
  assert.ok(widths.doc <= widths.win && widths.table <= widths.win, `the runs table stays on screen: ${JSON.stringify(widths)}`);
  await page.screenshot({ path: join(shots, "runs-long-id.png"), fullPage: true });

  // compare: one metric, a solid line per run
  await page.goto(`${url}#/compare?runs=${gromov},${empty}`);
  await page.waitForSelector('[data-testid="compare-caption"]');
  assert.match(await page.locator('[data-testid="compare-caption"]').innerText(), /^test_acc of each run, one line per run \(2 of 2 runs record it\)/);
  await page.locator('[data-testid="compare-metric"]').selectOption("train_loss");
  await page.waitForFunction(() => /^train_loss of each run/.test(document.querySelector('[data-testid="compare-caption"]')?.textContent ?? ""));

  // an MSE sweep: PAIR's rule in its accuracy form, named on the page; the cells are told apart, not all grey
  await page.goto(`${url}#/sweeps/mse-demo`);
  await page.waitForSelector('[data-testid="phase-rule"]');
  assert.match(await page.locator('[data-testid="phase-rule"]').innerText(), /Rule: PAIR, accuracy form \(the default for mse loss/);
  const pairColumn = await page.$$eval('table[aria-label="Grid cells"] tbody tr', (rows) => rows.map((r) => (r as HTMLTableRowElement).cells[2].textContent));
  assert.deepEqual(pairColumn, ["high test loss (memorization) (100%)", "grokking (100%)"]);
  await page.getByLabel("Liu et al. 2022").check();
  assert.match(await page.locator('[data-testid="phase-rule"]').innerText(), /Rule: Liu et al\.: t_train, t_test/);
  await page.screenshot({ path: join(shots, "sweep-mse-rule.png"), fullPage: true });

  assert.deepEqual(problems, [], "no uncaught errors in the page");
});
