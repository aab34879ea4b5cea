import { z } from "zod";

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

/**
 * Parses a config that is a union of objects told apart by `name` (optimizers, schedules, filters); the error
 * names the key path and, for an unknown key, lists the keys the named variant accepts.
 */
export function parseByName<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const name = (input as { name?: unknown } | null)?.name;
  const options = (schema as unknown as { options?: { shape: Record<string, unknown> & { name?: { value?: unknown } } }[] }).options ?? [];
  const variant = options.find((o) => o.shape.name?.value === name);
  throw new Error(describeIssue(r.error.issues[0], where, variant ? Object.keys(variant.shape) : undefined));
}
