/**
 * The doshi-corruption preset end to end through the CLI: a tiny ξ × weight-decay sweep, then its
 * label-corruption phase diagram (Doshi et al. 2024). Weight decay is what separates the phases: without it the
 * network memorizes every label, corrupted ones included; moderate decay generalizes; heavy decay forgets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CORRUPTION_PHASE_LABELS, CORRUPTION_PHASES } from "../../src/measures/memorization/corruption.js";
import { lastJson, runCli } from "../helpers/cli.js";

test("grokscope sweep doshi-corruption, then phases --rule corruption: one cell per grid cell, the six phases in the legend", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "grokscope-corruption-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "store");
  // p = 23, width 64, 300 steps, ξ = 0.1, seed 1 (measured: test acc 0.06 / 0.92 / 0.03 at wd 0 / 3 / 30); ~2 s
  const sweep = runCli(["sweep", "doshi-corruption", "--set", "task.p=23", "--set", "model.width=64", "--set", "steps=300", "--axis", "task.label_noise=[0.1]", "--axis", "optimizer.weight_decay=[0, 3, 30]", "--seeds", "1", "--data-dir", data, "--quiet"]);
  assert.equal(sweep.code, 0, sweep.stderr);
  const s = lastJson(sweep.stdout);
  assert.equal(s.done, 3);
  assert.equal(s.failed, 0);

  const json = runCli(["phases", "doshi-corruption", "--json", "--data-dir", data]);
  assert.equal(json.code, 0, json.stderr);
  const cells = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { cell: Record<string, number>; corruption?: { majority: string } });
  assert.equal(cells.length, 3);
  const phase = (wd: number) => cells.find((c) => c.cell["optimizer.weight_decay"] === wd)?.corruption?.majority;
  assert.equal(phase(0), "memorization", "no weight decay: every label fit, no rule");
  assert.ok(["coexistence", "partial_inversion", "full_inversion"].includes(phase(3)!), `wd 3 generalizes, got ${phase(3)}`);
  assert.equal(phase(30), "forgetting", "heavy weight decay: not even the clean rows are kept");

  const table = runCli(["phases", "doshi-corruption", "--data-dir", data]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.split("\n")[0], /Doshi et al\./, "the table has a column for the corruption phases");

  const out = join(dir, "c.svg");
  const draw = runCli(["phases", "doshi-corruption", "--rule", "corruption", "--out", out, "--data-dir", data]);
  assert.equal(draw.code, 0, draw.stderr);
  const svg = readFileSync(out, "utf8");
  assert.ok(svg.startsWith("<svg"), svg.slice(0, 40));
  assert.equal(svg.split('aria-roledescription="rect mark"').length - 1, 3, "one rectangle per grid cell");
  for (const p of CORRUPTION_PHASES) assert.ok(svg.includes(`>${CORRUPTION_PHASE_LABELS[p]}<`), `legend lists ${p}`);
  assert.ok(svg.includes("Doshi et al."), "the title names the rule");

  const bad = runCli(["phases", "doshi-corruption", "--rule", "doshi", "--data-dir", data]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--rule: expected pair, liu, corruption, got "doshi"/);
});
