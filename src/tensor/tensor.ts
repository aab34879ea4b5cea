/** A dense row-major float32 tensor. Shapes live in the type's `shape` and in names (`W_in` is [d_in, d_hidden]). */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Parameters of a model: an ordered record of named tensors in paper notation (`U`, `V`, `W`, `W_E`). */
export type Params = Record<string, Tensor>;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: readonly number[], data?: Float32Array): Tensor {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new Error(`tensor: data length ${data.length} does not match shape [${shape.join(", ")}]`);
  return { shape: [...shape], data: data ?? new Float32Array(n) };
}

/** Params with the same names and shapes, zero-filled (gradients, optimizer moments). */
export function zerosLike(params: Params, alloc: (n: number) => Float32Array = (n) => new Float32Array(n)): Params {
  const out: Params = {};
  for (const [name, t] of Object.entries(params)) out[name] = { shape: t.shape, data: alloc(t.data.length) };
  return out;
}

export function cloneParams(params: Params): Params {
  const out: Params = {};
  for (const [name, t] of Object.entries(params)) out[name] = { shape: [...t.shape], data: t.data.slice() };
  return out;
}

export function copyParamsInto(dst: Params, src: Params): void {
  for (const [name, t] of Object.entries(src)) dst[name].data.set(t.data);
}

export function paramCount(params: Params): number {
  let n = 0;
  for (const t of Object.values(params)) n += t.data.length;
  return n;
}

/** L2 norm accumulated in float64. */
export function l2Norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

export function totalNorm(params: Params): number {
  let s = 0;
  for (const t of Object.values(params)) {
    const n = l2Norm(t.data);
    s += n * n;
  }
  return Math.sqrt(s);
}

/** Name of the first tensor holding a NaN or ±Inf, or null; `allFinite` checks one array (a backend's kernel). */
export function firstNonFinite(params: Params, allFinite: (x: Float32Array) => boolean = allFiniteJs): string | null {
  for (const [name, t] of Object.entries(params)) if (!allFinite(t.data)) return name;
  return null;
}

/** Whether x holds no NaN or ±Inf. */
export function allFiniteJs(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}
