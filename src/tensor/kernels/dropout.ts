import { uniformBelow, type Key } from "../rng.js";

/** mask[i] = 0 where uniform(key, i) < p, 1/(1 − p) elsewhere, for i < n (inverted dropout's mask). */
export function dropoutMask(n: number, key: Key, p: number, mask: Float32Array): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) mask[i] = uniformBelow(key, i, p) ? 0 : keep;
}
