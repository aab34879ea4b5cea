/**
 * The server's JSON API, seen from the browser. A server started with --token is opened at `/?token=…`: the token is
 * kept for this tab (sessionStorage) and sent as a Bearer header, or in the query where a URL is all there is
 * (EventSource, <img>, download links).
 */
const TOKEN_KEY = "grokscope-token";

function initToken(): string | null {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(null, "", location.pathname + location.hash); // keep it out of the address bar and history
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = initToken();

/** `path` with the token in its query, for URLs the browser fetches itself. */
export function withToken(path: string): string {
  if (!token) return path;
  return `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const getJson = <T>(path: string): Promise<T> => call<T>(path);

export const postJson = <T>(path: string, body: unknown): Promise<T> =>
  call<T>(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export const runPath = (id: string): string => `/api/runs/${encodeURIComponent(id)}`;
export const sweepPath = (name: string): string => `/api/sweeps/${encodeURIComponent(name)}`;

export interface RunSummary {
  readonly train_acc: number;
  readonly test_acc: number;
  readonly train_loss: number;
  readonly test_loss: number;
  readonly memorize_step: number | null;
  readonly grok_step: number | null;
  readonly seconds?: number;
}

export interface Run {
  readonly run_id: string;
  readonly preset: string;
  readonly status: "running" | "done" | "failed" | "killed";
  readonly step: number;
  readonly steps: number;
  readonly seed: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly tags: readonly string[];
  readonly summary: RunSummary | null;
  readonly run_dir?: string;
  readonly spec?: Record<string, unknown>;
}

export interface Metrics {
  readonly run_id: string;
  readonly status: Run["status"];
  readonly step: number;
  readonly steps: number[];
  readonly values: Record<string, (number | null)[]>;
}

/** GET /api/runs/<id>/tensors: a checkpoint's parameters, the checkpoint steps, and the modular task's source tensor. */
export interface TensorList {
  readonly run_id: string;
  readonly step: number;
  readonly steps: number[];
  readonly tensors: { name: string; dtype: string; shape: number[] }[];
  readonly modular: { p: number; tensor: string; input_axis: 0 | 1 } | null;
}

/** GET /api/runs/<id>/tensors/<name>?step=S: row-major, reduced in blocks of row_block × col_block when large. */
export interface TensorView {
  readonly name: string;
  readonly step: number;
  readonly shape: number[];
  readonly rows: number;
  readonly cols: number;
  readonly row_block: number;
  readonly col_block: number;
  readonly abs_max: number;
  readonly data: (number | null)[];
}

/** GET /api/runs/<id>/fourier?step=S: power per frequency and the embedding circle of the strongest one. */
export interface FourierView {
  readonly step: number;
  readonly p: number;
  readonly tensor: string;
  readonly power: number[];
  readonly key_frequencies: number[];
  readonly top_frequency: number;
  readonly circle: { residue: number; x: number; y: number }[];
  /** Σ(x² + y²) / Σ‖e_a‖²: 1 for a pure frequency, about 2/p for random weights. */
  readonly plane_share: number;
}

/** A [rows, cols] row-major matrix of a structure view; null where a value is not finite. */
export interface ViewMatrix {
  readonly name?: string;
  readonly rows: number;
  readonly cols: number;
  readonly abs_max: number;
  readonly data: (number | null)[];
}

/** GET /api/runs/<id>/structure?step=S for a modular task: units (neurons or embedding dimensions) by frequency. */
export interface ModularStructure {
  readonly kind: "modular";
  readonly step: number;
  readonly p: number;
  readonly tensor: string;
  readonly input_axis: 0 | 1;
  readonly unit: string;
  readonly units: number;
  /** ⌊p/2⌋ frequencies 1 … J. */
  readonly J: number;
  /** Units by dominant frequency, then phase. */
  readonly order: number[];
  /** Each unit's dominant frequency (stored order). */
  readonly peak: number[];
  readonly peak_share: number;
  /** [units, J]: frequency k's share of a unit's non-constant power at column k − 1. */
  readonly share: (number | null)[];
  /** The first-layer tensors as [units, p] (U and V for gromov, W_E for an embedding). */
  readonly weights: (ViewMatrix & { name: string })[];
  /** The tensor in the Fourier basis [p, units], rows named by `labels`, with each row's norm. */
  readonly fourier_basis: ViewMatrix & { labels: string[]; norms: (number | null)[] };
}

/** The structure view of a sparse-parity run: W_0 [dim, width], neurons ordered by weight on the relevant bits. */
export interface ParityStructure extends ViewMatrix {
  readonly kind: "parity";
  readonly step: number;
  readonly tensor: string;
  readonly n_bits: number;
  readonly k: number;
  readonly bias_row: number | null;
  readonly order: number[];
  /** Per neuron (stored order): its |weight| on bits 0 … k−1 as a share of its total |weight|. */
  readonly relevant_mass: (number | null)[];
}

export type StructureView = ModularStructure | ParityStructure | { readonly kind: null; readonly step: number };

/** What the server streams at /api/events (event "runs"). */
export interface RunEvent {
  readonly run_id: string;
  readonly preset: string;
  readonly status: Run["status"];
  readonly step: number;
  readonly steps: number;
  readonly updated_at: string;
}

type Listener = (events: RunEvent[]) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
const lastEvents = new Map<string, RunEvent>();

/** Calls `fn` with the runs that changed (and once with every run known so far); returns the unsubscribe. */
export function onRunEvents(fn: Listener): () => void {
  listeners.add(fn);
  if (lastEvents.size > 0) fn([...lastEvents.values()]);
  if (source === null) {
    source = new EventSource(withToken("/api/events"));
    source.addEventListener("runs", (e) => {
      const events = JSON.parse((e as MessageEvent).data) as RunEvent[];
      for (const ev of events) lastEvents.set(ev.run_id, ev);
      for (const l of listeners) l(events);
    });
  }
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0 && source !== null) {
      source.close();
      source = null;
      lastEvents.clear();
    }
  };
}
