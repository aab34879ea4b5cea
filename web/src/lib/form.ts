/** The forms that start runs and sweeps: editable key = value rows, read the way `--set key=value` reads them. */

/** One editable row: a spec key and its value as typed. */
export interface KeyValueRow {
  key: string;
  value: string;
}

/** A value's text as JSON when it parses (numbers, booleans, lists), else as a string (e.g. adamw). */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The filled-in rows (key and value both non-blank) as an object, keys trimmed, values read by `jsonOrText`. */
export function rowEntries(rows: readonly KeyValueRow[]): Record<string, unknown> {
  return Object.fromEntries(rows.filter((r) => r.key.trim() !== "" && r.value.trim() !== "").map((r) => [r.key.trim(), jsonOrText(r.value.trim())]));
}
