/**
 * One tensor out of a checkpoint without reading the whole file: the safetensors header (8-byte length, JSON), then
 * only the byte range of the tensor asked for. The name is looked up in the header, never used as a path; only model
 * parameters (not optimizer or filter state) are served, and a tensor above MAX_TENSOR_ELEMENTS is refused (413).
 */
import { open } from "node:fs/promises";
import { isParameterTensor } from "../runs/checkpoint.js";
import { HttpError } from "./http.js";

/** Largest tensor the API reads (elements; 16 MiB of float32). */
export const MAX_TENSOR_ELEMENTS = 4 * 1024 * 1024;
/** Our checkpoints' headers are a few kB; a larger one is not ours to parse on a request. */
const MAX_HEADER_BYTES = 1024 * 1024;

export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

interface HeaderEntry {
  readonly dtype: string;
  readonly shape: number[];
  readonly data_offsets: [number, number];
}

const SIZE: Readonly<Record<string, number>> = { F32: 4, F64: 8 };
// Parameter names are paper notation with dotted scopes: U, W_E, embed.W_E, blocks.0.mlp.W_in.
const TENSOR_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

/** A tensor name from a URL segment; 400 naming it unless it is a dotted parameter name. */
export function checkTensorName(value: string): string {
  if (value.length > 120 || !TENSOR_NAME.test(value)) throw new HttpError(400, `invalid tensor name ${JSON.stringify(value.slice(0, 80))}: a parameter name such as U or embed.W_E`);
  return value;
}

async function readHeader(path: string): Promise<{ entries: Record<string, HeaderEntry>; dataStart: number; fileSize: number }> {
  const fh = await open(path, "r");
  try {
    const fileSize = (await fh.stat()).size;
    const len = Buffer.alloc(8);
    await fh.read(len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    if (fileSize < 8 || n > MAX_HEADER_BYTES || 8 + n > fileSize) throw new Error(`${path}: not a checkpoint this server reads (header of ${n} bytes)`);
    const head = Buffer.alloc(n);
    await fh.read(head, 0, n, 8);
    const parsed = JSON.parse(head.toString("utf8")) as Record<string, unknown>;
    delete parsed.__metadata__;
    return { entries: parsed as Record<string, HeaderEntry>, dataStart: 8 + n, fileSize };
  } finally {
    await fh.close();
  }
}

/** The model parameters of a checkpoint file: name, dtype, shape (header only). */
export async function checkpointTensors(path: string): Promise<TensorInfo[]> {
  const { entries } = await readHeader(path);
  return Object.entries(entries)
    .filter(([name]) => isParameterTensor(name))
    .map(([name, e]) => ({ name, dtype: e.dtype, shape: [...e.shape] }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One parameter tensor as float64 values (F32 or F64 on disk); 404 if absent, 413 above the size limit. */
export async function readCheckpointTensor(path: string, name: string): Promise<{ shape: number[]; dtype: string; data: Float64Array }> {
  const { entries, dataStart, fileSize } = await readHeader(path);
  const e = Object.prototype.hasOwnProperty.call(entries, name) ? entries[name] : undefined;
  if (!e || !isParameterTensor(name)) throw new HttpError(404, `no tensor "${name}" in this checkpoint (tensors: ${(await checkpointTensors(path)).map((t) => t.name).join(", ")})`);
  const size = SIZE[e.dtype];
  if (size === undefined) throw new HttpError(415, `tensor "${name}" is ${e.dtype}: only F32 and F64 tensors are shown`);
  const count = e.shape.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_ELEMENTS) throw new HttpError(413, `tensor "${name}" has ${count} elements, over the limit of ${MAX_TENSOR_ELEMENTS}`);
  const [begin, end] = e.data_offsets;
  if (end - begin !== count * size || dataStart + end > fileSize) throw new Error(`checkpoint tensor "${name}": offsets do not match its shape`);
  const bytes = Buffer.alloc(end - begin);
  const fh = await open(path, "r");
  try {
    await fh.read(bytes, 0, bytes.length, dataStart + begin);
  } finally {
    await fh.close();
  }
  const aligned = new Uint8Array(bytes).buffer; // a fresh, aligned copy
  const raw = size === 4 ? new Float32Array(aligned) : new Float64Array(aligned);
  return { shape: [...e.shape], dtype: e.dtype, data: Float64Array.from(raw) };
}
