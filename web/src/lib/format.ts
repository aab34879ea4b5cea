export const pct = (x: number | null | undefined): string => (typeof x === "number" && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "—");

export function num(x: number | null | undefined): string {
  if (typeof x !== "number" || !Number.isFinite(x)) return "—";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : Number(x.toPrecision(4)).toString();
}

export const stepText = (s: number | null | undefined): string => (typeof s === "number" ? s.toLocaleString("en-US") : "—");

export function ago(iso: string): string {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 60) return `${Math.max(0, Math.round(s))} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** First step at which `values` reaches `threshold` (the memorize / grok steps of README.md), or null. */
export function firstStepAtLeast(steps: readonly number[], values: readonly (number | null)[] | undefined, threshold: number): number | null {
  if (!values) return null;
  for (let i = 0; i < steps.length; i++) if ((values[i] ?? -Infinity) >= threshold) return steps[i];
  return null;
}
