/** Tick helpers for log axes whose values span many decades (training losses go from 1 to 10⁻¹¹). */

const SUPER: Readonly<Record<string, string>> = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };

/** 10^e as text: 0.01 … 100 written out, other powers as 10 with a superscript exponent (10⁻⁸). */
export function powerOfTen(e: number): string {
  if (e >= 0 && e <= 2) return String(10 ** e);
  if (e < 0 && e >= -2) return `0.${"0".repeat(-e - 1)}1`;
  return `10${String(e).split("").map((c) => SUPER[c]).join("")}`;
}

/**
 * Ticks for a log axis over [min, max]: the powers of ten, keeping every k-th (counted down from the top) so at most
 * `fit` remain; when fewer than two powers fall inside, the 1–2–5 steps of each decade instead.
 */
export function logTicks(min: number, max: number, fit: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const lo = Math.ceil(Math.log10(min) - 1e-9), hi = Math.floor(Math.log10(max) + 1e-9);
  if (hi - lo + 1 < 2) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  }
  const k = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(2, fit)));
  const out: number[] = [];
  for (let e = hi; e >= lo; e -= k) out.unshift(10 ** e);
  return out;
}

/** A log-axis tick as text: powers of ten by `powerOfTen`, other values with two significant digits. */
export function logTickText(v: number | null): string {
  if (v === null || !(v > 0)) return "";
  const e = Math.round(Math.log10(v));
  return Math.abs(v / 10 ** e - 1) < 1e-6 ? powerOfTen(e) : String(Number(v.toPrecision(2)));
}

/**
 * The texts of one log axis's ticks in one style: when every power of ten among them lies in 0.01 … 100 they are
 * written out (0.01, 0.1, 1), otherwise every power of ten is written 10ⁿ (10⁻², 10⁻³, not "0.01" next to "10⁻³").
 */
export function logTickTexts(splits: readonly (number | null)[]): string[] {
  const powers = splits.filter((v): v is number => v !== null && v > 0 && Math.abs(v / 10 ** Math.round(Math.log10(v)) - 1) < 1e-6);
  const plain = powers.every((v) => v >= 0.01 * (1 - 1e-9) && v <= 100 * (1 + 1e-9));
  return splits.map((v) => {
    if (v === null || !(v > 0)) return "";
    const e = Math.round(Math.log10(v));
    if (Math.abs(v / 10 ** e - 1) >= 1e-6) return String(Number(v.toPrecision(2)));
    return plain ? powerOfTen(e) : `10${String(e).split("").map((c) => SUPER[c]).join("")}`;
  });
}
