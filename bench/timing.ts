/**
 * Wall-clock timing of repeated calls: warm-up first, then each call timed alone. Besides the overall median it
 * reports the lowest median of three consecutive blocks of calls: on a machine shared with other processes that
 * picks the quietest stretch, so backends timed at different moments compare fairly.
 */
export interface Timing {
  readonly median_ms: number;
  readonly best_block_median_ms: number;
  readonly mean_ms: number;
  readonly min_ms: number;
  readonly reps: number;
}

export const BLOCKS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function timeCalls(fn: () => void, warmup: number, reps: number, budgetMs = Infinity): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    if (performance.now() - start > budgetMs) break;
  }
  const size = Math.max(1, Math.floor(times.length / BLOCKS));
  let best = Infinity;
  for (let b = 0; b + size <= times.length; b += size) best = Math.min(best, median(times.slice(b, b + size)));
  return {
    median_ms: median(times),
    best_block_median_ms: best,
    mean_ms: times.reduce((s, t) => s + t, 0) / times.length,
    min_ms: Math.min(...times),
    reps: times.length,
  };
}
