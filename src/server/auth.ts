/**
 * Who may talk to the server. Bound to a loopback address and given no token, it answers only requests whose Host
 * header names a loopback address (a page on another site cannot rebind its own name to 127.0.0.1 and read the
 * API). Bound to any other address it needs a token, sent as `Authorization: Bearer <token>` or `?token=<token>`
 * (EventSource cannot set headers); static files need none, as they hold no data.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { SpecError } from "../runs/spec.js";
import { HttpError } from "./http.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The server's address options checked: another host without a token is refused (the message names --token). */
export function checkBinding(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < 16) throw new SpecError("--token must be at least 16 characters");
  if (!isLoopback(host) && token === undefined) throw new SpecError(`--host ${host} serves other machines: give --token <secret> as well`);
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  return hostHeader.split(":")[0];
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given), b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws 401/403 unless the API request is allowed. */
export function authorize(req: IncomingMessage, url: URL, token: string | undefined): void {
  if (token === undefined) {
    const host = hostnameOf(String(req.headers.host ?? ""));
    if (!isLoopback(host)) throw new HttpError(403, `host "${host}" refused: this server answers loopback names only (start it with --host and --token to serve others)`);
    return;
  }
  const header = String(req.headers.authorization ?? "");
  const given = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : url.searchParams.get("token");
  if (given === null || given === "") throw new HttpError(401, "this server needs a token: send Authorization: Bearer <token> or ?token=<token>");
  if (!sameToken(given, token)) throw new HttpError(403, "wrong token");
}
