/** Hash routes (#/runs, #/runs/<id>, #/sweeps, #/sweeps/<name>, #/compare?runs=a,b, #/explore): the server serves one page. */
export interface Route {
  readonly page: "runs" | "run" | "sweeps" | "sweep" | "compare" | "explore" | "missing";
  readonly arg: string;
  readonly query: URLSearchParams;
}

function parse(hash: string): Route {
  const [path, qs = ""] = hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(qs);
  let parts: string[];
  try {
    parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  } catch {
    return { page: "missing", arg: path, query }; // a malformed escape (#/runs/%E0%A4%A): the not-found view, not a blank page
  }
  if (parts.length === 0 || (parts[0] === "runs" && parts.length === 1)) return { page: "runs", arg: "", query };
  if (parts[0] === "runs" && parts.length === 2) return { page: "run", arg: parts[1], query };
  if (parts[0] === "sweeps" && parts.length === 1) return { page: "sweeps", arg: "", query };
  if (parts[0] === "sweeps" && parts.length === 2) return { page: "sweep", arg: parts[1], query };
  if (parts[0] === "compare") return { page: "compare", arg: "", query };
  if (parts[0] === "explore" && parts.length === 1) return { page: "explore", arg: "", query };
  return { page: "missing", arg: path, query };
}

export const route = $state<{ current: Route }>({ current: parse(location.hash) });

addEventListener("hashchange", () => {
  route.current = parse(location.hash);
});

export const runHref = (id: string): string => `#/runs/${encodeURIComponent(id)}`;
export const sweepHref = (name: string): string => `#/sweeps/${encodeURIComponent(name)}`;
export const compareHref = (ids: readonly string[]): string => `#/compare?runs=${ids.map(encodeURIComponent).join(",")}`;
