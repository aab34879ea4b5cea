/**
 * The package as a user gets it: `npm pack` (of the build that already ran), installed into a fresh project from
 * the npm cache, then the README's library example run there, its types checked, and the installed CLI reading
 * the run back. Catches what in-repo tests cannot: a file missing from `files`, an `exports` map or .d.ts that
 * does not resolve, a runtime import of a devDependency.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

// The script a notebook user would write, verbatim from docs/api.md, plus the checks.
const SCRIPT = `import { train, presets } from "grokscope";
import { loadRun } from "grokscope";
const s = await train({ preset: "gromov", steps: 150, seed: 1 }, { dataDir: "./runs" });
const run = await loadRun(s.run_id, { dataDir: "./runs" });
const acc = run.series.test_acc.values;
console.log(JSON.stringify({ summary: s, presets: Object.keys(presets), checkpoints: run.checkpoints, lastTestAcc: acc[acc.length - 1], config: run.config.preset }));
`;

// Proves the types are real, not any: a wrong argument must be an error.
const TYPED = `import { train, loadRun, type RunSummary, type LoadedRun } from "grokscope";
const s: RunSummary = await train({ preset: "gromov", steps: 1 }, { dataDir: "./typed-runs" });
const acc: number = s.test_acc;
const run: LoadedRun = await loadRun(s.run_id);
const steps: number[] = run.checkpoints;
// @ts-expect-error steps is a number
await train({ preset: "gromov", steps: "150" });
export { acc, steps };
`;

/** The child's environment without the variables `npm test` sets for this package (they would point npm back here). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("npm_package_") || k.startsWith("npm_lifecycle_") || k === "npm_config_local_prefix" || k === "INIT_CWD") continue;
    env[k] = v;
  }
  return env;
}

/** Imports in the packed .d.ts files that would not resolve for a user: a file left out, or a package that is not a dependency. */
function unresolvedTypeImports(files: readonly string[]): string[] {
  const deps = new Set(Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies));
  const problems: string[] = [];
  for (const f of files.filter((p) => p.endsWith(".d.ts"))) {
    const code = readFileSync(join(ROOT, f), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    for (const m of code.matchAll(/(?:from\s+|import\(\s*)["']([^"']+)["']/g)) {
      const spec = m[1];
      if (spec.startsWith(".")) {
        if (!files.includes(posix.join(posix.dirname(f), spec).replace(/\.js$/, ".d.ts"))) problems.push(`${f}: ${spec}`);
      } else if (!spec.startsWith("node:") && !deps.has(spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"))) {
        problems.push(`${f}: ${spec} (not a dependency)`);
      }
    }
  }
  return problems;
}

function run(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: cleanEnv(), timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status}${r.error ? ` (${r.error.message})` : ""}\n${r.stdout}\n${r.stderr}`);
  return r;
}

test("the packed package installs elsewhere; the library trains gromov to grokking and the CLI reads the run", { timeout: 240_000 }, (t) => {
  assert.ok(existsSync(join(ROOT, "dist", "src", "index.d.ts")), "dist/src/index.d.ts is missing: run `npm run build` (it emits the declarations with tsconfig.lib.json)");
  const tmp = mkdtempSync(join(tmpdir(), "grokscope-pack-"));
  const t0 = performance.now();
  const lap = (what: string) => t.diagnostic(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const packed = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT).stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    for (const f of ["bin/grokscope.js", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/tensor/wasm/generated/kernels-wasm.js", "dist/web/index.html", "README.md"]) assert.ok(files.includes(f), `the package lacks ${f}`);
    assert.deepEqual(files.filter((f) => f.startsWith("dist/test/") || f.startsWith("src/")), [], "tests and sources stay out of the package");
    assert.deepEqual(unresolvedTypeImports(files), [], "every import of the packed declarations resolves in the installed package");
    lap("packed");

    const project = join(tmp, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "grokscope-consumer", private: true, type: "module" }));
    run("npm", ["install", join(tmp, packed[0].filename), "--prefer-offline", "--no-audit", "--no-fund"], project);
    lap("installed");

    writeFileSync(join(project, "train.mjs"), SCRIPT);
    const r = run(process.execPath, ["train.mjs"], project);
    assert.equal(r.stderr, "", "the library writes nothing to stderr");
    const out = JSON.parse(r.stdout) as { summary: Record<string, unknown>; presets: string[]; checkpoints: number[]; lastTestAcc: number; config: string };
    const s = out.summary;
    assert.match(String(s.run_id), /^gromov-/);
    assert.ok((s.train_acc as number) >= 0.99 && (s.test_acc as number) >= 0.99, `gromov should grok within 150 steps: ${JSON.stringify(s)}`);
    assert.ok(out.presets.includes("gromov"));
    assert.equal(out.config, "gromov");
    assert.equal(out.checkpoints[out.checkpoints.length - 1], 150);
    assert.equal(out.lastTestAcc, s.test_acc);
    lap("trained");

    writeFileSync(join(project, "typed.mts"), TYPED);
    // skipLibCheck: checking the dependencies' own declarations takes 20 s; ours are resolved by unresolvedTypeImports
    const tsconfig = {
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, allowJs: true, checkJs: true, skipLibCheck: true, types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")] },
      files: ["train.mjs", "typed.mts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], project);
    lap("type-checked");

    const shown = run(join(project, "node_modules", ".bin", "grokscope"), ["show", String(s.run_id), "--data-dir", "runs", "--json"], project);
    const record = JSON.parse(shown.stdout) as { status: string; summary: { test_acc: number } };
    assert.equal(record.status, "done");
    assert.equal(record.summary.test_acc, s.test_acc);
    const installed = JSON.parse(readFileSync(join(project, "node_modules", "grokscope", "package.json"), "utf8")) as { version: string };
    assert.ok(existsSync(join(project, "node_modules", "grokscope", "dist", "web", "index.html")), `grokscope ${installed.version}: the web lab is installed`);
    lap("CLI read the run");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
