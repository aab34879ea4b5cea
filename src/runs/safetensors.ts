/**
 * safetensors checkpoints (https://github.com/huggingface/safetensors, "Format" section), so PyTorch users can
 * `safetensors.torch.load_file` our weights.
 *
 * Layout: [u64 little-endian N][N bytes of UTF-8 JSON header][byte buffer]. The header maps each tensor name to
 * {dtype, shape, data_offsets: [begin, end]} (offsets relative to the buffer start) plus an optional
 * "__metadata__": {string: string}. The buffer holds little-endian, row-major (C order) tensor data.
 *
 * Our writer: tensors ordered by element size (8-byte dtypes first) then name, laid out contiguously; header padded
 * with spaces so the buffer starts at a multiple of 8 — every tensor then starts at a multiple of its element size.
 * Our reader checks what the reference implementation checks: JSON object header, known dtype, shape product times
 * element size equals the offset span, offsets contiguous from 0 and covering the whole buffer.
 */
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic.js";

export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64" | "U32";
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint32Array;

export interface SafeTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[]; // row-major; [] is a scalar (one element)
  readonly data: TensorData; // length = product(shape)
}

export type SafeTensors = Record<string, SafeTensor>;

export interface SafetensorsContents {
  readonly tensors: SafeTensors;
  readonly metadata: Record<string, string>;
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U32: 4 };
const ARRAY_OF: Record<SafetensorsDtype, new (buffer: ArrayBuffer) => TensorData> = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  I64: BigInt64Array,
  U32: Uint32Array,
};
const METADATA_KEY = "__metadata__";
/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("safetensors: this module assumes a little-endian host");
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Serializes tensors (and optional string metadata) to safetensors bytes. Pure; throws naming the bad tensor. */
export function encodeSafetensors(tensors: SafeTensors, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const bySize = ITEM_SIZE[tensors[b].dtype] - ITEM_SIZE[tensors[a].dtype];
    return bySize !== 0 ? bySize : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new Error(`safetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const name of names) {
    const { dtype, shape, data } = tensors[name];
    if (name === METADATA_KEY) throw new Error(`safetensors: "${METADATA_KEY}" is reserved and cannot name a tensor`);
    if (!(dtype in ITEM_SIZE)) throw new Error(`safetensors: tensor "${name}" has unsupported dtype ${String(dtype)}`);
    if (!(data instanceof ARRAY_OF[dtype])) {
      throw new Error(`safetensors: tensor "${name}" is ${dtype} but its data is a ${data?.constructor?.name}`);
    }
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`safetensors: tensor "${name}" has invalid shape [${shape.join(", ")}]`);
    }
    if (numel(shape) !== data.length) {
      throw new Error(`safetensors: tensor "${name}" has shape [${shape.join(", ")}] but ${data.length} elements`);
    }
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json).length;
  json += " ".repeat((8 - ((8 + jsonBytes) % 8)) % 8); // buffer starts 8-aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors[name];
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** Parses safetensors bytes; `source` (a file name) is quoted in every error. Tensor data is copied out, aligned. */
export function decodeSafetensors(input: Uint8Array, source = "<bytes>"): SafetensorsContents {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength); // plain view: .slice copies (Buffer's would not)
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) fail(`header length ${n} exceeds the file or the 100 MB limit`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (err) {
    fail(`header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (bytes[8] !== 0x7b || typeof header !== "object" || header === null || Array.isArray(header)) {
    fail("header is not a JSON object");
  }
  const bufferLength = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors: SafeTensors = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(`"${METADATA_KEY}" is not an object`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`metadata "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) fail(`tensor "${name}" entry is not an object`);
    const dtype = e.dtype as SafetensorsDtype;
    if (typeof dtype !== "string" || !(dtype in ITEM_SIZE)) fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}" has invalid shape ${JSON.stringify(shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = numel(shape as number[]);
    if (end < begin || end - begin !== count * ITEM_SIZE[dtype]) {
      fail(`tensor "${name}" data_offsets [${begin}, ${end}] do not hold ${count} ${dtype} elements`);
    }
    if (end > bufferLength) fail(`tensor "${name}" ends at ${end}, past the ${bufferLength}-byte buffer`);
    spans.push({ name, begin, end });
    const copy = bytes.slice(headerEnd + begin, headerEnd + end); // fresh ArrayBuffer: aligned for any dtype
    tensors[name] = { dtype, shape: [...(shape as number[])], data: new ARRAY_OF[dtype](copy.buffer) };
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const s of spans) {
    if (s.begin !== expected) fail(`tensor "${s.name}" starts at ${s.begin}, expected ${expected} (gap or overlap)`);
    expected = s.end;
  }
  if (expected !== bufferLength) fail(`tensors cover ${expected} of the ${bufferLength}-byte buffer`);
  return { tensors, metadata };
}

/** Writes a safetensors file atomically (temporary file in the same directory, fsync, rename). */
export async function writeSafetensors(path: string, tensors: SafeTensors, metadata?: Record<string, string>): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeSafetensors(tensors, metadata);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  await writeFileAtomic(path, bytes);
}

/** Reads a safetensors file written by us or by any conforming writer (restricted to F32/F64/I32/I64/U32). */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
  return decodeSafetensors(await readFile(path), path);
}
