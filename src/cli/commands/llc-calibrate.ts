import { Command } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { calibrateLlc, formatCalibration, type CalibrationRow } from "../../measures/llc/calibrate.js";
import { defaultNbeta, parseLlcSettings, type LlcSettings } from "../../measures/llc/llc.js";
import { llcTraceSpec } from "../../measures/llc/plot.js";
import { checkpointStepOf, loadCheckpoint } from "../../runs/checkpoint.js";
import { locateRun, measureContext, readRunDir } from "../../runs/run.js";
import { buildSetup } from "../../runs/setup.js";
import { SpecError } from "../../runs/spec.js";
import { renderPng, renderSvg } from "../../sweeps/plots/index.js";
import { dataDirFrom } from "../data-dir.js";
import { parseCount } from "../parse.js";

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A comma-separated list of numbers > 0 (or ≥ 0); the error names the flag and the entry. */
export function parsePositiveList(flag: string, text: string): number[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === "")) throw new SpecError(`${flag}: expected a comma-separated list of numbers > 0, got "${text}"`);
  return items.map((s) => {
    const x = Number(s);
    if (!NUMBER.test(s) || !Number.isFinite(x)) throw new SpecError(`${flag}: "${s}" is not a number (expected numbers > 0, e.g. 1e-5,1e-4,1e-3)`);
    if (!(x > 0)) throw new SpecError(`${flag}: ${s} must be > 0`);
    return x;
  });
}

function parseNonNegative(flag: string, text: string): number {
  const x = Number(text);
  if (!NUMBER.test(text) || !Number.isFinite(x) || x < 0) throw new SpecError(`${flag}: expected a number ≥ 0, got "${text}"`);
  return x;
}

function parsePositiveCount(flag: string, text: string): number {
  const n = parseCount(flag, text);
  if (n === 0) throw new SpecError(`${flag}: must be ≥ 1`);
  return n;
}

interface Options {
  step?: string;
  eps?: string;
  nbeta?: string;
  gamma?: string;
  chains?: string;
  draws?: string;
  burnIn?: string;
  batchSize?: string;
  out?: string;
  json?: boolean;
  dataDir?: string;
}

/** The settings a scan starts from: the run's measure_settings.llc with the flags' replacements. */
function baseSettings(runSettings: unknown, o: Options): LlcSettings {
  const s = parseLlcSettings(runSettings ?? {}, "measure_settings.llc");
  return parseLlcSettings({
    ...s,
    ...(o.gamma !== undefined && { gamma: parseNonNegative("--gamma", o.gamma) }),
    ...(o.chains !== undefined && { chains: parsePositiveCount("--chains", o.chains) }),
    ...(o.draws !== undefined && { draws: parsePositiveCount("--draws", o.draws) }),
    ...(o.burnIn !== undefined && { burn_in: parseCount("--burn-in", o.burnIn) }),
    ...(o.batchSize !== undefined && { batch_size: o.batchSize === "full" ? null : parsePositiveCount("--batch-size", o.batchSize) }),
  });
}

function rowJson(r: CalibrationRow): Record<string, unknown> {
  const e = r.estimate;
  if (!e) return { epsilon: r.epsilon, nbeta: r.nbeta, diverged: r.diverged, seconds: r.seconds };
  const d = e.diagnostics;
  return {
    epsilon: r.epsilon, nbeta: r.nbeta, mean: e.mean, std: e.std, per_chain: e.perChain, init_loss: e.initLoss, rhat: d.rhat, ess: d.ess, drift: d.drift,
    mala: e.mala, below_init: d.belowInit, settled: d.settled, reasons: d.reasons, seconds: r.seconds,
  };
}

/** `grokscope llc-calibrate <run>`: λ̂ and its diagnostics over a grid of ε × nβ at one checkpoint. */
export function llcCalibrateCommand(): Command {
  return new Command("llc-calibrate")
    .description("estimate the LLC at one checkpoint for each (ε, nβ) pair and print λ̂ ± std over chains with its convergence diagnostics, to choose measure_settings.llc")
    .argument("<run>", "run id, unique prefix or run directory")
    .option("--step <s>", "the checkpoint (default: the last)")
    .option("--eps <list>", "SGLD step sizes ε, comma-separated (default: the run's ε × 0.1, 1, 10)")
    .option("--nbeta <list>", "inverse temperatures nβ, comma-separated (default: the run's nβ × 0.1, 1, 10)")
    .option("--gamma <g>", "localization γ (default: the run's)")
    .option("--chains <n>", "chains per estimate (default: the run's)")
    .option("--draws <n>", "draws per chain (default: the run's)")
    .option("--burn-in <n>", "burn-in steps per chain (default: the run's)")
    .option("--batch-size <n>", 'minibatch size, or "full" (default: the run\'s)')
    .option("--out <file>", "draw the chains' traces per (ε, nβ): .png or .svg")
    .option("--json", "one JSON line per (ε, nβ) instead of the table")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .addHelpText("after", `
Reading the table (devinterp's calibration recipe): prefer the largest ε whose chains settle and whose λ̂ barely moves
when ε shrinks; "settled" needs split-R̂ ≤ 1.1, every chain's middle-vs-last-third drift |z| ≤ 3.5 and λ̂ more than
2 standard errors from 0. MALA is the mean Metropolis acceptance of the SGLD moves (near 1: ε small; devinterp aims
for about 0.9). λ̂/nβ is the sampled excess loss: where it stays flat across nβ, nβ is in its linear range.
Each estimate uses the key the run's llc measure used at that step, so the run's own setting (marked *) reproduces
its stored value when chains and draws are the run's.`)
    .action(async (ref: string, o: Options) => {
      // every flag is checked before the run is loaded
      const step = o.step === undefined ? undefined : parseCount("--step", o.step);
      const eps = o.eps === undefined ? undefined : parsePositiveList("--eps", o.eps);
      const nbetas = o.nbeta === undefined ? undefined : parsePositiveList("--nbeta", o.nbeta);
      if (o.out !== undefined && ![".png", ".svg"].includes(extname(o.out).toLowerCase())) throw new SpecError(`--out ${o.out}: the file must end in .png or .svg`);
      const runDir = await locateRun(ref, dataDirFrom(o.dataDir));
      const { runId, config } = await readRunDir(runDir);
      const base = baseSettings(config.measure_settings.llc, o);
      const at = await checkpointStepOf(runDir, step, "--step");
      const { setup, state, init } = await buildSetup(config);
      try {
        await loadCheckpoint(runDir, at, state);
        const n = setup.data.train.n;
        const nbeta0 = base.nbeta ?? defaultNbeta(n);
        const epsGrid = eps ?? [base.epsilon / 10, base.epsilon, base.epsilon * 10];
        const nbGrid = nbetas ?? [nbeta0 / 10, nbeta0, nbeta0 * 10];
        const key = measureContext(config, setup, state.params, at, init).key!;
        const batch = base.batch_size === null || base.batch_size >= n ? "full batch" : `batch ${base.batch_size}`;
        const header = `llc-calibrate ${runId} at step ${at}: n = ${n}, γ = ${base.gamma}, ${base.chains} chains × (${base.burn_in} burn-in + ${base.draws} draws${base.steps_between_draws > 1 ? ` every ${base.steps_between_draws} steps` : ""}), ${batch}; * = the run's own setting`;
        const rows = calibrateLlc(setup.model, state.params, setup.data.train, setup.loss, setup.backend, key, base, epsGrid, nbGrid, (r, done, total) => {
          const what = r.estimate ? `λ̂ ${r.estimate.mean.toPrecision(4)}` : "diverged";
          process.stderr.write(`estimated ${done}/${total}: ε ${r.epsilon}, nβ ${r.nbeta.toPrecision(4)}: ${what} (${r.seconds.toFixed(1)} s)\n`);
        });
        if (o.json) for (const r of rows) process.stdout.write(JSON.stringify({ run_id: runId, step: at, ...rowJson(r) }) + "\n");
        else process.stdout.write(header + "\n" + formatCalibration(rows, { epsilon: base.epsilon, nbeta: nbeta0 }) + "\n");
        if (o.out !== undefined) {
          if (!rows.some((r) => r.estimate)) throw new SpecError(`--out ${o.out}: every setting diverged, nothing to draw`);
          const svg = await renderSvg(llcTraceSpec(rows, `${runId}, step ${at}: per-draw λ̂ of each chain`));
          await mkdir(dirname(o.out), { recursive: true });
          await writeFile(o.out, extname(o.out).toLowerCase() === ".svg" ? svg : renderPng(svg));
          process.stderr.write(`wrote ${o.out}\n`);
        }
      } finally {
        setup.backend.dispose();
      }
    });
}
