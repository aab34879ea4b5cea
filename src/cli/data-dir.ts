import { resolve } from "node:path";

/** The run store's directory: --data-dir, else $GROKSCOPE_DATA, else ./runs. */
export function dataDirFrom(opt: string | undefined): string {
  return resolve(opt ?? process.env.GROKSCOPE_DATA ?? "runs");
}
