/**
 * Varma et al. (2023), "Explaining grokking through circuit efficiency", on the quadratic net (docs/reproductions.md R1).
 * 1. Efficiency across grokking (p = 97, the gromov preset): while memorizing, the logit is all memorizing circuit
 *    (E_gen ≤ 0 < E_mem); the generalizing part overtakes it between the memorization and the grok step; the grokked
 *    net gets ≥ 1.5× the logit per ‖θ‖³ of the memorizing one (measured, seeds 1–3: 0.21–0.24 → 0.65–0.67 ×1e-5 at
 *    steps 50 → 150; crossing at step 80, 82, 82 between memorization at 76–80 and grokking at 84–88).
 * 2. Ungrokking (p = 47, small and fast): the net grokked on 50% of the pairs, continued with `init_from` on 10%
 *    (below D_crit: from scratch, 10–15% memorize and ≥ 25% grok within 1,000 steps) loses its test accuracy
 *    (1.00 → 0.02–0.03, chance 0.021; seeds 1–3: 0.019 / 0.017 / 0.019) while train accuracy stays 1; continued on 30%
 *    it keeps 1.00. Checked on seeds 1 and 2. The ungrokked net
 *    is the more efficient one: E 2.5 → 4.9 ×1e-5 with E_mem ≫ E_gen, Varma's account of why it ungroks.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { efficiencyCircuits, efficiencyTotal } from "../../src/measures/efficiency/efficiency.js";
import { applyOverrides } from "../../src/runs/overrides.js";
import { presetSpec } from "../../src/runs/presets/index.js";
import { startRun } from "../../src/runs/run.js";
import { normalizeSpec } from "../../src/runs/spec.js";
import { firstReaching, trainHistory } from "../helpers/train-history.js";

const dir = mkdtempSync(join(tmpdir(), "grokscope-varma-"));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const seed of [1, 2]) {
  test(`R1 seed ${seed}: the generalizing part of the efficiency overtakes the memorizing part between memorization and grokking`, async (t) => {
    const config = normalizeSpec({ ...presetSpec("gromov"), seed, steps: 150 });
    const points = await trainHistory(
      config,
      (s) => s === 50 || s === 150 || (s >= 60 && s <= 100 && s % 2 === 0),
      (setup, state) => {
        const ctx = { params: state.params, data: setup.data, model: setup.model, step: state.step, backend: setup.backend };
        return { ...efficiencyTotal(ctx), ...efficiencyCircuits(ctx) };
      },
    );
    const at = (s: number) => points.find((p) => p.step === s)!.extra;
    const mem = firstReaching(points, "train_acc")!, grok = firstReaching(points, "test_acc")!;
    const crossing = points.find((p) => p.step >= 60 && p.extra["efficiency/gen"] > p.extra["efficiency/mem"])?.step ?? null;
    const e = (s: number) => (at(s)["efficiency/logit"] * 1e5).toFixed(3);
    t.diagnostic(`memorize ${mem}, gen > mem from ${crossing}, grok ${grok}; E ×1e5 ${e(50)} → ${e(150)}; at 50 gen ${at(50)["efficiency/gen"].toExponential(2)} mem ${at(50)["efficiency/mem"].toExponential(2)}`);
    assert.ok(at(50)["efficiency/gen"] < 0.2 * at(50)["efficiency/mem"], "memorizing at step 50: the logit does not transfer to held-out pairs");
    assert.ok(at(150)["efficiency/mem"] < 0.1 * at(150)["efficiency/gen"], "grokked at step 150: almost all of it does");
    assert.ok(at(150)["efficiency/logit"] > 1.5 * at(50)["efficiency/logit"], "the generalizing solution buys more logit per ‖θ‖³");
    assert.ok(crossing !== null && crossing >= mem - 10 && crossing <= grok, `crossing ${crossing} outside [memorize − 10, grok] = [${mem - 10}, ${grok}]`);
  });
}

for (const seed of [1, 2]) {
  test(`ungrokking, seed ${seed}: a grokked net continued below D_crit loses test accuracy, above it keeps it (p = 47)`, async (t) => {
    const small = { task: { name: "modular", op: "add", p: 47, train_fraction: 0.5 }, eval: { every: 50 }, checkpoint_every: 300 };
    const grokked = await startRun(normalizeSpec({ ...presetSpec("gromov"), ...small, seed, steps: 300, measures: ["efficiency/logit"] }), { dataDir: dir, outDir: join(dir, `grok${seed}`), record: "none" });
    assert.ok(grokked.test_acc >= 0.99 && grokked.grok_step !== null, `the source run must grok: test acc ${grokked.test_acc}`);
    const cont = async (fraction: number) => {
      let spec = applyOverrides(presetSpec("varma-ungrok"), [`init_from.run=${grokked.run_dir}`, "task.p=47", `task.train_fraction=${fraction}`, "eval.every=50", `seed=${seed}`]); // the grokked run's seed: the small split is a subset of its split
      spec = { ...spec, steps: 500 };
      return startRun(normalizeSpec(spec), { dataDir: dir, outDir: join(dir, `f${fraction}-${seed}`), record: "none" });
    };
    const below = await cont(0.1), above = await cont(0.3);
    const E = (s: typeof below, k: string) => s.final_measures[`efficiency/${k}`];
    t.diagnostic(`test acc ${grokked.test_acc} → ${below.test_acc} on 10% (train ${below.train_acc}), ${above.test_acc} on 30%; E ×1e5 grokked ${(E(grokked, "logit") * 1e5).toFixed(2)}, ungrokked ${(E(below, "logit") * 1e5).toFixed(2)} (gen ${(E(below, "gen") * 1e5).toFixed(2)}, mem ${(E(below, "mem") * 1e5).toFixed(2)})`);
    assert.ok(below.test_acc < 0.1, `10% of the pairs: test accuracy ${below.test_acc} should fall to near chance (1/47)`);
    assert.equal(below.train_acc, 1, "it still fits its training pairs");
    assert.ok(above.test_acc >= 0.99, `30% of the pairs: test accuracy ${above.test_acc} should stay`);
    assert.ok(E(below, "mem") > 5 * E(below, "gen"), "the ungrokked net's logit is memorization");
    assert.ok(E(below, "logit") > 1.5 * E(grokked, "logit"), "memorizing 220 pairs is more efficient than the generalizing circuit");
  });
}
