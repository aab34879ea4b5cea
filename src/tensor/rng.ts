/**
 * Counter-based, splittable random numbers: a key is two uint32 words; the i-th draw of a key is a pure hash of
 * (key, i). Keys are derived with `fold(key, label)`, never advanced in place, so a draw is reproducible from the
 * seed and the path of labels that led to it — no hidden state, nothing to save in checkpoints beyond the seed.
 */
export interface Key {
  readonly k0: number;
  readonly k1: number;
}

// lowbias32 (C. Wellons' hash-prospector): a strong 32-bit integer permutation.
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

function hash3(k0: number, k1: number, c: number): number {
  return mix32(k0 ^ mix32((k1 ^ mix32(c ^ 0x9e3779b9)) + 0x85ebca6b));
}

export function keyFromSeed(seed: number): Key {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return { k0: mix32(lo ^ 0x6a09e667), k1: mix32(hi ^ 0xbb67ae85 ^ lo) };
}

function labelHash(label: number | string): number {
  if (typeof label === "number") return mix32((label >>> 0) ^ 0x3c6ef372) ^ mix32(Math.floor(label / 2 ** 32) >>> 0);
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/** A new independent key for `label` (a name like "init/U" or a step number). */
export function fold(key: Key, label: number | string): Key {
  const h = labelHash(label);
  return { k0: hash3(key.k0, key.k1, h), k1: hash3(key.k1 ^ 0x5bd1e995, key.k0, h ^ 0xa54ff53a) };
}

/** The i-th raw uint32 of a key. */
export function bits(key: Key, i: number): number {
  return hash3(key.k0, key.k1, i >>> 0) ^ mix32(Math.floor(i / 2 ** 32) >>> 0);
}

/** Uniform in [0, 1) with 53 random bits (two draws per value). */
export function uniform(key: Key, i: number): number {
  const hi = bits(key, 2 * i) >>> 5; // 27 bits
  const lo = bits(key, 2 * i + 1) >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/**
 * uniform(key, i) < p, drawing the second half of the value only when the first 27 bits leave it open: the value lies
 * in [hi / 2^27, (hi + 1) / 2^27), so it is decided unless p falls inside that interval (one draw in 2^27).
 */
export function uniformBelow(key: Key, i: number, p: number): boolean {
  const hi = bits(key, 2 * i) >>> 5;
  if ((hi + 1) / 134217728 <= p) return true;
  if (hi / 134217728 >= p) return false;
  return uniform(key, i) < p;
}

export function uniforms(key: Key, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) out[i] = uniform(key, i);
  return out;
}

/** Uniforms on [−bound, bound): draw i is (2u_i − 1)·bound with u_i the key's uniform i (nn.Linear's init shape). */
export function symmetricUniforms(key: Key, n: number, bound: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let i = 0; i < n; i++) out[i] = (2 * uniform(key, i) - 1) * bound;
  return out;
}

/** Standard normals by Box–Muller; draw i uses uniforms 2i and 2i+1 of the key. */
export function normals(key: Key, n: number, std = 1, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - uniform(key, i); // (0, 1]
    const u2 = uniform(key, i + 1);
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * Normals N(0, σ²) truncated to [−2σ, 2σ] (Haiku's and JAX's TruncatedNormal; their standard deviation is 0.8796σ), by
 * rejection: the Box–Muller stream of `normals` is read in order and values outside ±2 are skipped (4.6% of them), so
 * value i depends on the key alone.
 */
export function truncatedNormals(key: Key, n: number, sigma = 1, out: Float32Array = new Float32Array(n)): Float32Array {
  let filled = 0;
  for (let j = 0; filled < n; j += 2) {
    const u1 = 1 - uniform(key, j); // (0, 1]
    const u2 = uniform(key, j + 1);
    const r = Math.sqrt(-2 * Math.log(u1));
    const z0 = r * Math.cos(2 * Math.PI * u2), z1 = r * Math.sin(2 * Math.PI * u2);
    if (Math.abs(z0) <= 2) out[filled++] = z0 * sigma;
    if (filled < n && Math.abs(z1) <= 2) out[filled++] = z1 * sigma;
  }
  return out;
}

/** Integer uniform in [0, max). */
export function randint(key: Key, i: number, max: number): number {
  return Math.floor(uniform(key, i) * max);
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates driven by the key). */
export function permutation(key: Key, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randint(key, i, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
