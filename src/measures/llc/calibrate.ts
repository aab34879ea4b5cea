/**
 * Calibrating the SGLD estimator: λ̂ over a grid of step sizes ε and inverse temperatures nβ at one checkpoint, each
 * with its diagnostics, as devinterp's `EpsilonBetaAnalyzer` sweeps them. Its notebooks' reading: pick an ε where the
 * chains settle and λ̂ changes little with ε (too small: the traces are still rising; too large: spikes, a falling
 * MALA acceptance, divergence), and an nβ in the range where λ̂/nβ barely depends on it. Every estimate uses the
 * same key, so the grid's rows differ only by their setting.
 */
import type { Model } from "../../models/model.js";
import type { Split } from "../../tasks/dataset.js";
import type { Backend } from "../../tensor/backend.js";
import type { Key } from "../../tensor/rng.js";
import type { Params } from "../../tensor/tensor.js";
import type { Loss } from "../../train/losses.js";
import { g3 } from "./record.js";
import { estimateLlc, LlcDivergedError, parseLlcSettings, type LlcEstimate, type LlcSettings } from "./llc.js";

export interface CalibrationRow {
  readonly epsilon: number;
  readonly nbeta: number;
  /** The estimate, or null where SGLD diverged. */
  readonly estimate: LlcEstimate | null;
  /** Why it diverged (the estimator's message), else null. */
  readonly diverged: string | null;
  readonly seconds: number;
}

/**
 * One estimate per (ε, nβ) pair, ε the outer loop, from `base` settings (chains, draws, γ, …). `onRow` sees each row
 * as it is done (progress). nβ null stands for the default n / ln n.
 */
export function calibrateLlc(
  model: Model, params: Params, split: Split, loss: Loss, backend: Backend, key: Key,
  base: LlcSettings, epsilons: readonly number[], nbetas: readonly (number | null)[],
  onRow?: (row: CalibrationRow, done: number, total: number) => void,
): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  const total = epsilons.length * nbetas.length;
  for (const epsilon of epsilons) {
    for (const nb of nbetas) {
      const settings = parseLlcSettings({ ...base, epsilon, nbeta: nb });
      const t0 = performance.now();
      let estimate: LlcEstimate | null = null, diverged: string | null = null;
      try {
        estimate = estimateLlc(model, params, split, loss, backend, key, settings);
      } catch (e) {
        if (!(e instanceof LlcDivergedError)) throw e;
        diverged = e.message;
      }
      const nbeta = estimate?.nbeta ?? nb ?? settings.nbeta ?? NaN;
      const row: CalibrationRow = { epsilon, nbeta, estimate, diverged, seconds: (performance.now() - t0) / 1000 };
      rows.push(row);
      onRow?.(row, rows.length, total);
    }
  }
  return rows;
}


/** The calibration table: one line per (ε, nβ), `*` on the run's own setting. */
export function formatCalibration(rows: readonly CalibrationRow[], own?: { epsilon: number; nbeta: number }): string {
  const head = ["", "ε", "nβ", "λ̂ mean ± std", "λ̂/nβ", "R̂", "max|drift|", "MALA", "<L(w*)", "s", "settled"];
  const lines = rows.map((r) => {
    const mark = own && r.epsilon === own.epsilon && Math.abs(r.nbeta - own.nbeta) <= 1e-9 * own.nbeta ? "*" : "";
    const e = r.estimate;
    if (!e) return [mark, g3(r.epsilon), g3(r.nbeta), "diverged", "—", "—", "—", "—", "—", r.seconds.toFixed(1), "no: diverged"];
    const d = e.diagnostics;
    const drift = Math.max(...d.drift.map((z) => (Number.isNaN(z) ? 0 : Math.abs(z))));
    const why = d.settled ? "yes" : `no: ${d.reasons.map((x) => x.split(/[:(]/)[0].trim()).join("; ")}`;
    return [mark, g3(r.epsilon), g3(r.nbeta), `${g3(e.mean)} ± ${g3(e.std)}`, g3(e.mean / e.nbeta), g3(d.rhat), g3(drift), g3(e.mala), `${Math.round(100 * d.belowInit)}%`, r.seconds.toFixed(1), why];
  });
  const widths = head.map((h, i) => (i === head.length - 1 ? 0 : Math.max(h.length, ...lines.map((l) => l[i].length))));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [fmt(head), ...lines.map(fmt)].join("\n");
}
