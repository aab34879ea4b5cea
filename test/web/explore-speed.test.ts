/**
 * The Explore page trains on the wasm backend (playwright-core driving the system's Chromium, as
 * test/web/explore.test.ts): served by `grokscope serve`, the page is cross-origin isolated (the wasm kernels' shared
 * memory needs it), every section reports the wasm backend, and a lab's evaluation after N steps in the browser is
 * bit-identical to `grokscope train … --set backend=wasm` of the same model, seed and steps in Node: the small gromov
 * net (its hand-fused kernels, MSE), sparse parity at the slider's weight decay (MLP, cross-entropy) and the softmax
 * half of the collapse pair (bias-free MLP, float32 cross-entropy). Served without the isolation headers, the
 * sections fall back to the js backend, say why, and train the numbers of `--set backend=js`. Speeds and time to grok
 * are printed, not asserted (this is a shared machine); bench/browser.ts measures them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserOrSkip, labFolder, openPage, serveCli } from "../helpers/browser.js";
import { lastJson, runCliAsync } from "../helpers/cli.js";

interface Case {
  readonly id: string;
  readonly param: string;
  readonly steps: number;
  /** `grokscope train` arguments for the section's (first) lab. */
  readonly cli: readonly string[];
}

const CASES: readonly Case[] = [
  { id: "gromov", param: "gromov_steps", steps: 100, cli: ["gromov", "--set", "task.p=41", "--set", "model.width=128"] },
  { id: "parity", param: "parity_steps", steps: 300, cli: ["sparse-parity", "--set", "optimizer.weight_decay=0.3"] },
  { id: "collapse", param: "collapse_steps", steps: 200, cli: ["prieto-softmax", "--set", "task.p=23", "--set", "model.width=64"] },
];
const SECTIONS = ["five", "parity", "gromov", "collapse", "efficiency", "complexity", "llc"];

const attr = (page: Page, id: string, name: string): Promise<string | null> => page.locator(`[data-testid="${id}"]`).getAttribute(name);

test("explore page: cross-origin isolated, every lab on wasm, bit-identical to the CLI on wasm", { timeout: 600_000 }, async (t) => {
  if (!browserOrSkip(t, "Explore page (wasm)")) return;
  const lab = labFolder(t, "grokscope-explore-wasm-");
  const url = await serveCli(lab);
  const { page, problems } = await openPage(lab, { consoleErrors: true });

  // The CLI runs train while the page loads (separate processes), and are done before the page trains.
  const cli = Promise.all(CASES.map((c) => runCliAsync(["train", ...c.cli, "--set", "backend=wasm", "--set", "threads=1", "--steps", String(c.steps), "--data-dir", lab.data])));

  await page.goto(`${url}#/explore?${CASES.map((c) => `${c.param}=${c.steps}`).join("&")}`);
  for (const id of SECTIONS) await page.waitForSelector(`[data-testid="${id}"][data-step="0"]:not([data-backend=""])`); // its worker answered
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, "grokscope serve makes the page cross-origin isolated");
  for (const id of SECTIONS) assert.equal(await attr(page, id, "data-backend"), "wasm", `section ${id} trains on the wasm backend`);
  assert.equal(await page.locator('[data-testid$="-backend-note"]').count(), 0, "no section fell back to js");
  const runs = await cli;

  for (const c of CASES) {
    const t0 = Date.now();
    await page.getByTestId(`${c.id}-train`).click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute("data-done") === "true", c.id, { timeout: 300_000, polling: 100 });
    const stepMs = Number(await attr(page, c.id, "data-step-ms"));
    t.diagnostic(`${c.id}: ${c.steps} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s wall, ${((1000 * c.steps) / stepMs).toFixed(0)} training steps/s in the worker; grokked at ${(await attr(page, c.id, "data-grok-step")) || "—"}`);
  }

  for (const [i, c] of CASES.entries()) {
    const r = runs[i];
    assert.equal(r.code, 0, `grokscope train ${c.cli.join(" ")}: ${r.stderr}`);
    const want = lastJson(r.stdout);
    const got = JSON.parse((await attr(page, c.id, "data-last-eval"))!) as Record<string, number>;
    assert.equal(got.step, c.steps);
    assert.equal(want.backend, "wasm");
    for (const key of ["train_loss", "test_loss", "train_acc", "test_acc"]) {
      assert.equal(got[key], want[key], `${c.id} at step ${c.steps}: ${key} in the browser is the CLI's on the same backend, bit for bit`);
    }
  }
  assert.deepEqual(problems, [], "no errors in the page or its workers");
});

test("explore page: without cross-origin isolation the labs fall back to js, say why, and match the CLI on js", { timeout: 300_000 }, async (t) => {
  if (!browserOrSkip(t, "Explore page (js fallback)")) return;
  const lab = labFolder(t, "grokscope-explore-js-");
  const url = await serveCli(lab);
  const { page, problems } = await openPage(lab, { consoleErrors: true });
  // the same server, its isolation headers stripped from every response
  await page.route("**/*", async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["cross-origin-opener-policy"];
    delete headers["cross-origin-embedder-policy"];
    await route.fulfill({ response, headers });
  });
  const steps = 20;
  const cli = runCliAsync(["train", "gromov", "--set", "task.p=41", "--set", "model.width=128", "--set", "backend=js", "--steps", String(steps), "--data-dir", lab.data]);
  await page.goto(`${url}#/explore?gromov_steps=${steps}`);
  await page.waitForSelector('[data-testid="gromov"][data-step="0"]:not([data-backend=""])');
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  assert.equal(await attr(page, "gromov", "data-backend"), "js", "the lab falls back to the js backend");
  const note = await page.getByTestId("gromov-backend-note").innerText();
  assert.match(note, /WebAssembly kernels could not start .*cross-origin isolated/, `the section says why (${note})`);
  await page.getByTestId("gromov-train").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="gromov"]')?.getAttribute("data-done") === "true", null, { timeout: 200_000, polling: 100 });
  const r = await cli;
  assert.equal(r.code, 0, r.stderr);
  const want = lastJson(r.stdout);
  const got = JSON.parse((await attr(page, "gromov", "data-last-eval"))!) as Record<string, number>;
  assert.equal(want.backend, "js");
  for (const key of ["train_loss", "test_loss", "train_acc", "test_acc"]) assert.equal(got[key], want[key], `gromov at step ${steps}: ${key} as the CLI on js`);
  assert.deepEqual(problems, [], "no errors in the page or its workers");
});
