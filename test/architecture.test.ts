/**
 * The layers (README, "How it is built"): dependencies point downward only, and the layers that also run in the
 * browser (engine, autograd, tasks, models, train, measures) import no Node API (the one Node adapter, for worker
 * threads, is loaded lazily by the backend selector and lives in its own file). The library's entry module
 * (src/index.ts) sits above every layer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");
const ORDER = ["util", "tensor", "autograd", "tasks", "models", "train", "measures", "runs", "sweeps", "server", "cli", "index"];
const BROWSER = new Set(["util", "tensor", "autograd", "tasks", "models", "train", "measures"]);
const NODE_ADAPTERS = new Set(["tensor/wasm/node-threads.ts"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("layers import only themselves and the layers below; browser layers import no Node API", () => {
  const problems: string[] = [];
  for (const file of files(SRC)) {
    const rel = relative(SRC, file).split("\\").join("/");
    const layer = rel.includes("/") ? rel.split("/")[0] : "index"; // src/index.ts: the library's entry, above every layer
    const rank = ORDER.indexOf(layer);
    assert.ok(rank >= 0, `${rel}: folder "${layer}" is not a layer`);
    const text = readFileSync(file, "utf8");
    // statements at the start of a line (not words in comments); `import type` is erased at compile time and loads
    // nothing, so it may name a Node module anywhere
    for (const m of text.matchAll(/^\s*(?:import(?!\s+type\s)|export)[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith(".")) {
        const target = relative(SRC, resolve(dirname(file), spec)).split("\\").join("/").split("/")[0];
        if (ORDER.indexOf(target) > rank) problems.push(`${rel} imports ${spec} (layer ${target} is above ${layer})`);
      } else if ((spec.startsWith("node:") || ["fs", "path", "os", "worker_threads", "child_process"].includes(spec)) && BROWSER.has(layer) && !NODE_ADAPTERS.has(rel)) {
        problems.push(`${rel} imports ${spec}, but ${layer} must also run in the browser`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
