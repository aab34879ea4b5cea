/**
 * The built web lab (dist/web, from `vite build`): files under the root only, index.html for any other GET that is
 * not a file (the UI routes in the URL hash, so this is only a fallback), 403 for a path that would leave the root.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSegment, HttpError, sendText } from "./http.js";
import { faviconIco } from "./favicon.js";

/** dist/web of this installation (this file is dist/src/server/static.js). */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

// The UI needs nothing from other origins; a stored-data string can never run as script. 'wasm-unsafe-eval' lets the
// Explore page's workers compile the bundled WebAssembly kernels (it allows no JavaScript eval).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'";

// Cross-origin isolation: the wasm kernels' shared memory (SharedArrayBuffer) needs it, and the UI loads nothing
// from other origins, so requiring CORP of cross-origin resources costs nothing.
const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };

/** The file under `root` that `pathname` names; 403 if it would leave `root`, 400 on a NUL or bad escape. */
export function resolveStatic(root: string, pathname: string): string {
  const parts = pathname.split("/").filter((p) => p !== "").map(decodeSegment);
  if (parts.some((p) => p.includes("\0"))) throw new HttpError(400, "bad path");
  if (parts.some((p) => p === ".." || p.includes("/") || p.includes("\\"))) throw new HttpError(403, "path leaves the web root");
  const file = resolve(root, ...parts);
  if (file !== root && !file.startsWith(root + sep)) throw new HttpError(403, "path leaves the web root");
  return file;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function sendStatic(root: string, pathname: string, res: ServerResponse, head: boolean): Promise<void> {
  let file = resolveStatic(root, pathname);
  if (pathname === "/favicon.ico" && !(await isFile(file))) {
    const ico = faviconIco();
    res.writeHead(200, { "content-type": TYPES[".ico"], "content-length": ico.length, "cache-control": "public, max-age=86400", "x-content-type-options": "nosniff" });
    res.end(head ? undefined : ico);
    return;
  }
  if (!(await isFile(file))) {
    const index = join(root, "index.html");
    if (extname(file) !== "" && extname(file) !== ".html") throw new HttpError(404, `no file ${pathname}`);
    if (!(await isFile(index))) {
      sendText(res, 503, "text/plain; charset=utf-8", `The web lab is not built (no ${index}). Build it with: npm run build:web\n`);
      return;
    }
    file = index;
  }
  const size = (await stat(file)).size;
  const immutable = file.includes(`${sep}assets${sep}`); // vite names these by content hash
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": size,
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    "content-security-policy": CSP,
    ...ISOLATION,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  });
  if (head) {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const s = createReadStream(file);
    s.on("error", fail);
    res.on("close", done);
    s.pipe(res);
  });
}
