/**
 * PyTorch cross-checks: the interpreter they run (GROKSCOPE_PYTHON, default Debian's /usr/bin/python3, whose
 * python3-torch is the reference) and the rule for when torch is missing — required when CI=true, else skipped with a
 * visible reason.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";

export const PYTHON = process.env.GROKSCOPE_PYTHON ?? "/usr/bin/python3";

let available: boolean | undefined;

/** True when torch imports; otherwise fails the test under CI=true and skips it (naming `what`) elsewhere. */
export function torchOrSkip(t: TestContext, what: string): boolean {
  available ??= spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
  if (available) return true;
  assert.notEqual(process.env.CI, "true", `PyTorch is required in CI for the ${what} (${PYTHON} -c 'import torch' failed)`);
  t.skip(`PyTorch not importable by ${PYTHON}: ${what} skipped`);
  return false;
}

/** Runs a Python reference script with `args`, `input` on stdin, and parses its stdout's JSON lines. */
export function pythonJsonLines(script: string, args: readonly string[], input?: string): Record<string, unknown>[] {
  const r = spawnSync(PYTHON, [script, ...args], { input, encoding: "utf8", maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `${script} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}
