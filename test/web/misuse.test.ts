/**
 * The web lab under misuse, in a real browser: a run started from the form lands on its own run page every time
 * (the server answers before the store row exists; the page waits for it), and a malformed URL hash shows the
 * not-found view instead of a blank page. Skipped with a notice when Chromium is missing, except in CI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { browserOrSkip, labFolder, openPage, serveCli } from "../helpers/browser.js";

test("web lab: three runs started from the form each land on their run page; a malformed hash shows Not found", async (t) => {
  if (!browserOrSkip(t, "web misuse")) return;
  const lab = labFolder(t, "grokscope-web-misuse-");
  const url = await serveCli(lab);
  const { page, problems } = await openPage(lab);

  await page.goto(`${url}#/runs/%E0%A4%A`);
  await page.getByRole("heading", { name: "Not found" }).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(lab.shots, "malformed-hash.png") });

  for (let i = 0; i < 3; i++) {
    await page.goto(`${url}#/`);
    await page.getByText("Start a run").click();
    await page.locator("select[required]").first().selectOption("gromov");
    await page.getByLabel("Key", { exact: true }).first().fill("steps");
    await page.getByLabel("Value", { exact: true }).first().fill(String(20 + i));
    await page.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/#\/runs\/gromov-/, { timeout: 30_000 });
    const id = decodeURIComponent(new URL(page.url()).hash.replace("#/runs/", ""));
    await page.getByRole("heading", { name: id }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === "done", null, { timeout: 120_000 });
    assert.equal(await page.getByText(`no run "${id}"`).count(), 0);
  }
  await page.screenshot({ path: join(lab.shots, "started-run.png"), fullPage: true });
  assert.deepEqual(problems, [], "no uncaught errors in the page");
});
