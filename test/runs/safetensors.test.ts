import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type SafeTensors,
} from "../../src/runs/safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "safetensors-test-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Deterministic fill (no randomness needed): distinct, non-trivial values including negatives and extremes. */
function sample(): SafeTensors {
  return {
    W_E: { dtype: "F32", shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3) },
    "blocks.0.mlp.W_in": { dtype: "F64", shape: [2, 3], data: Float64Array.from([Math.PI, -0, 1e-300, -1e300, Infinity, NaN]) },
    idx: { dtype: "I32", shape: [5], data: Int32Array.from([0, -1, 2147483647, -2147483648, 7]) },
    step: { dtype: "I64", shape: [], data: BigInt64Array.from([9007199254740993n]) }, // 0-d, beyond 2^53
    counts: { dtype: "U32", shape: [2, 1], data: Uint32Array.from([0, 4294967295]) },
    empty_f32: { dtype: "F32", shape: [0, 7], data: new Float32Array(0) },
    empty_i64: { dtype: "I64", shape: [0], data: new BigInt64Array(0) },
  };
}

function assertSameTensors(actual: SafeTensors, expected: SafeTensors): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name];
    assert.equal(a.dtype, e.dtype, name);
    assert.deepEqual(a.shape, e.shape, name);
    assert.equal(a.data.constructor, e.data.constructor, name);
    // Object.is semantics via deepEqual on arrays distinguishes -0 and treats NaN as equal to NaN.
    assert.deepEqual(Array.from(a.data as ArrayLike<number | bigint>), Array.from(e.data as ArrayLike<number | bigint>), name);
  }
}

test("round trip of every dtype, including empty and 0-d tensors, with metadata", async () => {
  const path = join(dir, "model.safetensors");
  const tensors = sample();
  const metadata = { format: "pt", step: "1500", note: "ünïcode ✓" };
  await writeSafetensors(path, tensors, metadata);
  const back = await readSafetensors(path);
  assertSameTensors(back.tensors, tensors);
  assert.deepEqual(back.metadata, metadata);
  for (const t of Object.values(back.tensors)) {
    assert.equal(t.data.byteOffset % t.data.BYTES_PER_ELEMENT, 0, "copied out aligned");
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), [], "no temporary file left behind");
});

test("no metadata gives an empty metadata object; tensor views into a larger buffer are written correctly", () => {
  const big = Float32Array.from({ length: 10 }, (_, i) => i);
  const view = big.subarray(3, 7); // byteOffset 12
  const back = decodeSafetensors(encodeSafetensors({ v: { dtype: "F32", shape: [2, 2], data: view } }));
  assert.deepEqual(back.metadata, {});
  assert.deepEqual(Array.from(back.tensors.v.data as Float32Array), [3, 4, 5, 6]);
});

test("the file layout follows the format spec", () => {
  const bytes = encodeSafetensors(sample(), { a: "b" });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, "buffer starts 8-aligned");
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.equal(headerText[0], "{");
  assert.match(headerText, /^\{.*\} *$/s, "header padded only with trailing spaces");
  const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  assert.deepEqual(header.__metadata__, { a: "b" });
  const itemSize: Record<string, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U32: 4 };
  const entries = Object.entries(header).filter(([k]) => k !== "__metadata__");
  const byOffset = [...entries].sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0]);
  let expected = 0;
  for (const [name, e] of byOffset) {
    const [begin, end] = e.data_offsets;
    assert.equal(begin, expected, `${name} contiguous`);
    assert.equal(end - begin, e.shape.reduce((a, b) => a * b, 1) * itemSize[e.dtype], `${name} span`);
    assert.equal(begin % itemSize[e.dtype], 0, `${name} element-aligned`);
    expected = end;
  }
  assert.equal(8 + n + expected, bytes.length, "offsets cover the whole buffer");
  // Raw little-endian check of one value, independent of the decoder.
  const wE = header.W_E;
  assert.equal(view.getFloat32(8 + n + wE.data_offsets[0] + 4 * 11, true), Math.fround((11 - 5.5) / 3));
});

test("the writer rejects inconsistent tensors, naming them", () => {
  assert.throws(() => encodeSafetensors({ w: { dtype: "F32", shape: [2, 2], data: new Float32Array(3) } }), /"w".*3 elements/);
  assert.throws(() => encodeSafetensors({ w: { dtype: "F64", shape: [2], data: new Float32Array(2) } }), /"w" is F64/);
  assert.throws(() => encodeSafetensors({ w: { dtype: "F32", shape: [-1], data: new Float32Array(0) } }), /"w" has invalid shape/);
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: "F32", shape: [], data: new Float32Array(1) } }), /reserved/);
});

test("the reader rejects malformed files with an error naming the file", async () => {
  const good = encodeSafetensors({ a: { dtype: "F32", shape: [2], data: Float32Array.from([1, 2]) }, b: { dtype: "I32", shape: [1], data: Int32Array.from([3]) } });
  const n = Number(new DataView(good.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
  const withHeader = (h: unknown, body: Uint8Array = good.subarray(8 + n)): Uint8Array => {
    const text = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + text.length + body.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    out.set(body, 8 + text.length);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ["short", good.subarray(0, 5), /shorter than/],
    ["huge-n", (() => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /header length/],
    ["not-json", (() => { const b = good.slice(); b[9] = 0x7d; return b; })(), /JSON/],
    ["array-header", withHeader([1, 2]), /not a JSON object/],
    ["bad-dtype", withHeader({ ...header, a: { ...header.a, dtype: "Q8" } }), /"a" has unsupported dtype/],
    ["bad-shape", withHeader({ ...header, a: { ...header.a, shape: [3] } }), /"a" data_offsets/],
    ["gap", withHeader({ ...header, b: { ...header.b, data_offsets: [12, 16] } }, new Uint8Array(16)), /gap or overlap/],
    ["truncated", good.subarray(0, good.length - 2), /past the|cover/],
    ["trailing", withHeader(header, new Uint8Array(20)), /cover 12 of the 20-byte buffer/],
    ["bad-metadata", withHeader({ ...header, __metadata__: { x: 1 } }), /metadata "x"/],
  ];
  for (const [name, bytes, why] of cases) {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, bytes);
    await assert.rejects(readSafetensors(path), (err: Error) => {
      assert.ok(err.message.includes(path), `${name}: message names the file: ${err.message}`);
      assert.match(err.message, why, name);
      return true;
    });
  }
});

/** Optional cross-checks against Python readers, when this machine has them; never installs anything. */
function python(code: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  return { ok: r.status === 0, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

test("cross-check: the reference safetensors package loads our file (skipped when unavailable)", (t) => {
  if (!python("import torch, safetensors", []).ok) {
    t.skip("python3 with torch and safetensors not available");
    return;
  }
  const path = join(dir, "xcheck.safetensors");
  writeFileSync(path, encodeSafetensors(sample(), { k: "v" }));
  const r = python(
    `import sys, json\nfrom safetensors import safe_open\nout = {}\nwith safe_open(sys.argv[1], framework="pt") as f:\n  meta = f.metadata()\n  for k in f.keys():\n    x = f.get_tensor(k)\n    out[k] = [str(x.dtype), list(x.shape), [repr(v) for v in x.flatten().tolist()]]\nprint(json.dumps([meta, out]))`,
    [path],
  );
  assert.ok(r.ok, r.out);
  const [meta, out] = JSON.parse(r.out.trim().split("\n").pop()!) as [Record<string, string>, Record<string, [string, number[], string[]]>];
  assert.deepEqual(meta, { k: "v" });
  for (const [name, e] of Object.entries(sample())) {
    assert.deepEqual(out[name][1], e.shape, name);
    assert.equal(out[name][2].length, e.data.length, name);
  }
  assert.equal(Number(out.step[2][0]), Number(9007199254740993n));
});

test("cross-check: an independent numpy reading of the spec agrees (skipped when numpy is unavailable)", (t) => {
  if (!python("import numpy", []).ok) {
    t.skip("python3 with numpy not available");
    return;
  }
  const path = join(dir, "numpy.safetensors");
  const tensors = sample();
  writeFileSync(path, encodeSafetensors(tensors));
  const r = python(
    `import sys, json, struct\nimport numpy as np\nb = open(sys.argv[1], "rb").read()\nn = struct.unpack("<Q", b[:8])[0]\nh = json.loads(b[8:8+n])\nbuf = b[8+n:]\ndt = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U32": "<u4"}\nout = {}\nfor k, e in h.items():\n  if k == "__metadata__": continue\n  s, t = e["data_offsets"]\n  a = np.frombuffer(buf[s:t], dtype=dt[e["dtype"]]).reshape(e["shape"])\n  out[k] = [list(a.shape), [repr(v) for v in a.flatten().tolist()]]\nprint(json.dumps(out))`,
    [path],
  );
  assert.ok(r.ok, r.out);
  const out = JSON.parse(r.out.trim().split("\n").pop()!) as Record<string, [number[], string[]]>;
  for (const [name, e] of Object.entries(tensors)) {
    assert.deepEqual(out[name][0], e.shape, name);
    const expected = Array.from(e.data as ArrayLike<number | bigint>, (v) => (typeof v === "bigint" ? v.toString() : v));
    const got = out[name][1].map((s) => (e.dtype === "I64" ? s : s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s)));
    assert.deepEqual(got, expected, name);
  }
  assert.equal(readFileSync(path).length > 0, true);
});
