/** The early-warning report as text: the scores against their baselines, the strongest features, one line per run. */
import type { EarlyWarningReport } from "./evaluate.js";

const num = (v: number | null, digits = 3) => (v === null || Number.isNaN(v) ? "—" : v.toFixed(digits));
const step = (v: number | null) => (v === null ? "—" : String(Math.round(v)));

export function formatEarlyWarningReport(r: EarlyWarningReport, opts: { readonly runs?: boolean; readonly features?: number } = {}): string {
  const correct = Math.round(r.accuracy * r.n), baseCorrect = Math.round(r.baseline_accuracy * r.n);
  const lines = [
    `early warning from the ${r.cutoff}`,
    `runs: ${r.n_runs}; ${r.n_grokked_before_cutoff} grokked before the cutoff (excluded); ${r.n} evaluated, ${r.n_grok} of them grok within their steps`,
    `held out: ${r.folds} folds by ${r.group_by}`,
    `will it grok   accuracy ${num(r.accuracy)} (${correct}/${r.n})  balanced ${num(r.balanced_accuracy)}  AUC ${num(r.auc)}   baselines: majority class ${num(r.baseline_accuracy)} (${baseCorrect}/${r.n}), best constant ${num(r.best_constant_accuracy)}`,
    `when           Spearman ${num(r.spearman)} over ${r.n_grok_test} held-out grokking runs  mean |log10 error| ${num(r.log10_mae)}   baseline (median grok step) ${num(r.baseline_log10_mae)}`,
  ];
  const nf = opts.features ?? 5;
  if (nf > 0 && r.coefficients.length) {
    lines.push(`strongest features (standardized coefficients, all runs): ` + r.coefficients.slice(0, nf).map((c) => `${c.feature} ${c.grok >= 0 ? "+" : ""}${c.grok.toFixed(2)}`).join(", "));
  }
  if (opts.runs ?? true) {
    const width = Math.max(3, ...r.predictions.map((p) => p.runKey.length));
    lines.push("", `${"run".padEnd(width)}  cutoff  p(grok)  predicted  grok_step  predicted_step`);
    for (const p of r.predictions) {
      const right = p.will_grok === (p.grok_step !== null) ? " " : "✗";
      lines.push(`${p.runKey.padEnd(width)}  ${String(p.cutoff_step).padStart(6)}  ${p.p_grok.toFixed(3).padStart(7)}  ${(p.will_grok ? "grok" : "no").padStart(8)}${right}  ${step(p.grok_step).padStart(9)}  ${(p.will_grok ? step(p.predicted_grok_step) : "—").padStart(14)}`);
    }
    for (const e of r.excluded) lines.push(`${e.runKey.padEnd(width)}  grokked at ${e.grok_step}, before the cutoff (excluded)`);
  }
  return lines.join("\n");
}
