/**
 * A diverging colour scale for signed weights: blue (negative) through near-white (0) to vermillion (positive),
 * the two ends taken from Okabe & Ito's palette so the scale stays two-sided under the common colour vision
 * deficiencies (blue–orange is the pair that survives deuteranopia, protanopia and tritanopia), and the lightness
 * rises monotonically towards 0 on both sides, so it also reads in grey as "magnitude".
 */
const NEG = [0x00, 0x72, 0xb2];
const MID = [0xf7, 0xf7, 0xf7];
const POS = [0xd5, 0x5e, 0x00];

const toLinear = (c: number): number => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const toSrgb = (l: number): number => Math.round(255 * (l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055));

function mix(u: number): readonly [number, number, number] {
  const end = u < 0 ? NEG : POS;
  const a = Math.abs(u);
  return [0, 1, 2].map((i) => toSrgb((1 - a) * toLinear(MID[i]) + a * toLinear(end[i]))) as [number, number, number];
}

/**
 * The scale at 2·STEPS + 1 points of [−1, 1], both ends and 0 exact: a heatmap colours thousands of cells per frame,
 * and neighbouring points differ by less than one level of 8-bit colour.
 */
const STEPS = 2048;
let table: (readonly [number, number, number])[] | null = null;

/** RGB of t ∈ [−1, 1] (clamped): −1 blue, 0 near-white, 1 vermillion; mixed in linear light. */
export function diverging(t: number): readonly [number, number, number] {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  table ??= Array.from({ length: 2 * STEPS + 1 }, (_, i) => mix(i / STEPS - 1));
  return table[Math.round((u + 1) * STEPS)];
}

/** The symmetric range ±m to colour `values` with: their largest magnitude (1 when all are 0). */
export function symmetricRange(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m > 0 ? m : 1;
}

/** RGB of t ∈ [0, 1] (clamped) on a sequential scale: near-white at 0 to Okabe & Ito's blue at 1 (lightness falls monotonically). */
export function sequential(t: number): readonly [number, number, number] {
  return diverging(-Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)));
}
