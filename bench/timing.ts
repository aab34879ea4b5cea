/** Wall-clock timing of repeated calls: warm-up first, then each call timed alone; medians resist GC hiccups. */
export interface Timing {
  readonly median_ms: number;
  readonly mean_ms: number;
  readonly min_ms: number;
  readonly reps: number;
}

export function timeCalls(fn: () => void, warmup: number, reps: number, budgetMs = Infinity): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    if (performance.now() - start > budgetMs && times.length >= 1) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { median_ms: median, mean_ms: times.reduce((s, t) => s + t, 0) / times.length, min_ms: times[0], reps: times.length };
}
