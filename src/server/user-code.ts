import { HttpError } from "./http.js";

/**
 * The web lab never loads a model module: it is code, and a page must not be able to make the server run code.
 * A `--set`-style key that would name one is refused with the reason (train such a model with `grokscope train`).
 */
export function refuseModelModule(key: string, value: unknown, prefix = ""): void {
  const names = key === "model.module" || key.startsWith("model.module.") || (key === "model" && typeof value === "object" && value !== null && "module" in value);
  if (names) throw new HttpError(400, `${prefix}model.module: the web lab never loads model modules (user code would run on the server); train the model with grokscope train <spec.yaml>`);
}
