/** Runs the CLI invocations in $GROKSCOPE_BATCH (a JSON array of argv arrays) in this one process; prints results as JSON. */
import { main } from "../../src/cli/main.js";

process.setMaxListeners(0); // each train/sweep adds its SIGINT handler
const cases = JSON.parse(process.env.GROKSCOPE_BATCH ?? "[]") as string[][];
const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
const results: { code: number; stdout: string; stderr: string }[] = [];
for (const args of cases) {
  let stdout = "", stderr = "";
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(["node", "grokscope", ...args]);
  } catch (e) {
    code = 99;
    stderr += String((e as Error)?.stack ?? e);
  }
  process.stdout.write = out;
  process.stderr.write = err;
  process.exitCode = undefined;
  results.push({ code, stdout, stderr });
}
out(JSON.stringify(results), () => process.exit(0));
