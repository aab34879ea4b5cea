import type { z } from "zod";

/**
 * One validation issue as the line a user reads: the full key path, then what is wrong.
 * "optimizer.weight_decy: unknown key; known keys: name, lr, …" / "task.p: must be a prime, got 96".
 */
export function describeIssue(issue: z.core.$ZodIssue, prefix: string | readonly string[] = [], knownKeys?: readonly string[], owner?: string): string {
  const head = typeof prefix === "string" ? [prefix] : [...prefix];
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  const where = [...head, ...path.map(String)].join(".") || "spec";
  const msg = issue.code === "unrecognized_keys" ? `unknown key${owner ? ` for ${owner}` : ""}${knownKeys ? `; known keys: ${knownKeys.join(", ")}` : ""}` : issue.message;
  return `${where}: ${msg}`;
}

/** The keys a (possibly discriminated-union) zod object schema accepts at its top level, if it has a shape. */
export function shapeKeys(schema: unknown): string[] | undefined {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : undefined;
}
