/**
 * HTTP plumbing for the web lab's server: JSON replies, errors as `{ error }` with a 4xx/5xx status, request bodies
 * read under a size limit, and the checks on names that come from a URL (run ids, sweep names, steps).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** An error whose message is safe to show the client, with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Largest request body accepted (bytes); a larger one is refused with 413 before it is read in full. */
export const MAX_BODY_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": contentType, "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.byteLength });
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message, ...extra });
}

/** The request body parsed as a JSON object: 415 unless sent as JSON, 413 over `limit` bytes, 400 if not an object. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  // Requiring application/json also keeps other web pages from posting here: a cross-origin JSON POST needs a
  // CORS preflight, which this server never grants.
  const type = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "request body must be JSON (content-type: application/json)");
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) {
    req.resume(); // drain, so the reply can be read
    throw new HttpError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, `request body is over the limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "request body must be a JSON object");
  return body as Record<string, unknown>;
}

// Run ids are "<preset>-<time>-<hex>" or "<sweep>-<index>"; sweep names follow the sweep spec's rule. Neither may
// hold a path separator or start with a dot, so neither can leave the directory it names.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** A run id or sweep name from a URL segment (already percent-decoded); 400 naming it otherwise. */
export function checkName(what: string, value: string): string {
  if (!NAME.test(value) || value.includes("..")) throw new HttpError(400, `invalid ${what} ${JSON.stringify(value.slice(0, 80))}: letters, digits, '_', '.' or '-' only`);
  return value;
}

/** A non-negative integer from a URL segment or query value; 400 naming it otherwise. */
export function checkStep(what: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, `invalid ${what} ${JSON.stringify(value.slice(0, 80))}: expected a non-negative integer`);
  return Number(value);
}

/** Percent-decodes one path segment; 400 on a malformed escape. */
export function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `malformed URL segment ${JSON.stringify(s.slice(0, 80))}`);
  }
}
