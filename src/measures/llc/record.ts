/**
 * One LLC estimate as a file: the value, the estimator's hyper-parameters and key, the diagnostics and every chain's
 * loss trace. A run writes one per evaluated step, `<run_dir>/llc/step_00000100.json` (the metric rows keep only the
 * scalars `llc/mean`, `llc/std`, …). JSON with no timestamps, so a resumed run or a second `grokscope measure`
 * rewrites the same bytes: every draw is a function of the key. NaN and ±Inf are written as null.
 */
import type { Key } from "../../tensor/rng.js";
import type { LlcDiagnostics } from "./diagnostics.js";

export const LLC_RECORD_FORMAT = "grokscope.llc/1";
/** The folder of a run directory that holds the records. */
export const LLC_RECORD_DIR = "llc";

/** The estimator's hyper-parameters as the estimate used them (defaults resolved: nβ and the batch are numbers). */
export interface LlcHyper {
  /** SGLD step size ε (devinterp's `lr`). */
  readonly epsilon: number;
  /** Localization strength γ (devinterp's `localization`). */
  readonly gamma: number;
  /** Inverse temperature nβ used. */
  readonly nbeta: number;
  /** "n/ln n" when nβ was left to the default, "given" when set. */
  readonly nbeta_rule: "n/ln n" | "given";
  readonly chains: number;
  readonly draws: number;
  readonly burn_in: number;
  readonly steps_between_draws: number;
  /** Minibatch size used (n for full batch). */
  readonly batch_size: number;
  /** Training examples n (L and L(w*) are means over them). */
  readonly n: number;
  /** The key every draw derives from (chain c: fold(fold(key, "llc/sgld"), c)). */
  readonly key: readonly [number, number];
}

export interface LlcRecord {
  readonly format: typeof LLC_RECORD_FORMAT;
  /** The training step of the checkpoint (w*). */
  readonly step: number;
  readonly hyper: LlcHyper;
  readonly llc: {
    readonly mean: number;
    /** Standard deviation over chains (n − 1); NaN with one chain. */
    readonly std: number;
    readonly per_chain: readonly number[];
    /** L(w*) on the full training split. */
    readonly init_loss: number;
  };
  readonly diagnostics: {
    readonly rhat: number;
    readonly ess: number;
    readonly drift: readonly number[];
    readonly below_init: number;
    /** Mean MALA acceptance probability of the moves after burn-in (devinterp's `mala_accept/mean`). */
    readonly mala: number;
    readonly settled: boolean;
    readonly reasons: readonly string[];
  };
  /** Loss at each draw, [chains][draws]. */
  readonly loss_trace: readonly (readonly number[])[];
}

/** The record's path inside a run directory. */
export function llcRecordPath(step: number): string {
  return `${LLC_RECORD_DIR}/step_${String(step).padStart(8, "0")}.json`;
}

/** The step of a record file name ("step_00000100.json" → 100), or null. */
export function llcRecordStep(fileName: string): number | null {
  const m = /^step_(\d{8,})\.json$/.exec(fileName);
  return m ? Number(m[1]) : null;
}

export function keyPair(key: Key): [number, number] {
  return [key.k0, key.k1];
}

export function diagnosticsRecord(d: LlcDiagnostics, mala: number): LlcRecord["diagnostics"] {
  return { rhat: d.rhat, ess: d.ess, drift: [...d.drift], below_init: d.belowInit, mala, settled: d.settled, reasons: [...d.reasons] };
}

/** The record as file text (one object; traces one chain per line, so a diff or `head` stays readable). */
export function serializeLlcRecord(r: LlcRecord): string {
  const { loss_trace, ...rest } = r;
  const head = JSON.stringify(rest, null, 2);
  const traces = loss_trace.map((t) => "    " + JSON.stringify(t)).join(",\n");
  return `${head.slice(0, -2)},\n  "loss_trace": [\n${traces}\n  ]\n}\n`;
}

const num = (v: unknown): number => (v === null ? NaN : (v as number));

function fail(where: string, what: string): never {
  throw new Error(`${where}: not an LLC record (${what})`);
}

/** Parses and checks a record's text; nulls become NaN. `where` (the file) names it in errors. */
export function parseLlcRecord(text: string, where = "llc record"): LlcRecord {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    fail(where, "not valid JSON");
  }
  if (o === null || typeof o !== "object") fail(where, "not an object");
  if (o.format !== LLC_RECORD_FORMAT) fail(where, `format ${JSON.stringify(o.format)}, expected "${LLC_RECORD_FORMAT}"`);
  const h = o.hyper as Record<string, unknown> | undefined, l = o.llc as Record<string, unknown> | undefined;
  const d = o.diagnostics as Record<string, unknown> | undefined, tr = o.loss_trace as unknown;
  if (!Number.isInteger(o.step)) fail(where, "no step");
  if (!h || !l || !d) fail(where, "missing hyper, llc or diagnostics");
  for (const k of ["epsilon", "gamma", "nbeta", "chains", "draws", "burn_in", "steps_between_draws", "batch_size", "n"]) if (typeof h[k] !== "number") fail(where, `hyper.${k} is not a number`);
  if (!Array.isArray(tr) || tr.length !== h.chains || tr.some((t) => !Array.isArray(t) || t.length !== h.draws)) fail(where, `loss_trace is not [${h.chains}][${h.draws}]`);
  return {
    format: LLC_RECORD_FORMAT,
    step: o.step as number,
    hyper: h as unknown as LlcHyper,
    llc: { mean: num(l.mean), std: num(l.std), per_chain: (l.per_chain as unknown[]).map(num), init_loss: num(l.init_loss) },
    diagnostics: {
      rhat: num(d.rhat), ess: num(d.ess), drift: (d.drift as unknown[]).map(num), below_init: num(d.below_init), mala: num(d.mala),
      settled: d.settled === true, reasons: (d.reasons as string[]) ?? [],
    },
    loss_trace: (tr as unknown[][]).map((t) => t.map(num)),
  };
}

/** Three significant digits, exponent form outside [1e-3, 1e4). */
export const g3 = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3)) : String(x));

/** One line per record: the value, its diagnostics and the setting it was estimated with. */
export function formatLlcRecords(records: readonly LlcRecord[]): string {
  const head = ["step", "λ̂ mean ± std", "R̂", "max|drift|", "MALA", "ε", "nβ", "γ", "chains × (burn-in + draws)", "batch", "settled"];
  const rows = records.map((r) => {
    const h = r.hyper, d = r.diagnostics;
    const drift = Math.max(0, ...d.drift.filter((z) => !Number.isNaN(z)).map(Math.abs));
    return [
      String(r.step), `${g3(r.llc.mean)} ± ${g3(r.llc.std)}`, g3(d.rhat), g3(drift), g3(d.mala), g3(h.epsilon), g3(h.nbeta), g3(h.gamma),
      `${h.chains} × (${h.burn_in} + ${h.draws}${h.steps_between_draws > 1 ? ` every ${h.steps_between_draws}` : ""})`, h.batch_size >= h.n ? "full" : String(h.batch_size),
      d.settled ? "yes" : `no: ${d.reasons.join("; ")}`,
    ];
  });
  const widths = head.map((x, i) => (i === head.length - 1 ? 0 : Math.max(x.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}
