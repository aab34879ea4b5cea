/**
 * Checks on task options. Every error names the offending config key as `task.<key>` (snake_case, as written in a
 * spec), so a bad value in a preset or `--set task.p=96` is reported where the user wrote it.
 */

export function taskError(key: string, message: string): Error {
  return new Error(`task.${key}: ${message}`);
}

/** An integer in [min, max]. */
export function checkInt(key: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw taskError(key, `must be an integer, got ${show(value)}`);
  if (value < min || value > max) throw taskError(key, `must be in [${min}, ${max}], got ${value}`);
  return value;
}

/** A fraction in (0, 1] — the share of examples used for training. */
export function checkTrainFraction(value: unknown, key = "train_fraction"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw taskError(key, `must be a number in (0, 1], got ${show(value)}`);
  }
  return value;
}

/** A fraction in [0, 1) — the share of training labels replaced by a wrong class. */
export function checkLabelNoise(value: unknown, key = "label_noise"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw taskError(key, `must be a number in [0, 1), got ${show(value)}`);
  }
  return value;
}

export function checkBool(key: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw taskError(key, `must be true or false, got ${show(value)}`);
  return value;
}

/** Reject keys a task does not know (a typo must not silently fall back to a default). */
export function checkKnownKeys(task: string, config: object, known: readonly string[]): void {
  for (const k of Object.keys(config)) {
    if (!known.includes(k)) throw taskError(k, `unknown key for task "${task}"; known keys: ${known.join(", ")}`);
  }
}

/**
 * floor(fraction · n) with a guard against binary rounding: 0.29 · 100 evaluates to 28.999999999999996 in floating
 * point, which must count as 29. The guard (1e-9) is far below the smallest meaningful step 1/n.
 */
export function fractionCount(fraction: number, n: number): number {
  return Math.min(n, Math.floor(fraction * n + 1e-9));
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
