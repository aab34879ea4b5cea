"""Shared timing loop of the PyTorch baselines: warm up, time each step, print one JSON line.
'best_block_median_ms' is the lowest median of three consecutive blocks — the quietest stretch on a shared
machine — computed exactly as bench/timing.ts does for grokscope, so the two columns compare like with like."""
import json, statistics, sys, time
import torch


def args():
    """THREADS STEPS WARMUP from the command line; sets torch's thread count."""
    threads, steps, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    return steps, warmup


def report(step, steps, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    size = max(1, len(times) // 3)
    best = min(statistics.median(times[b:b + size]) for b in range(0, len(times) - size + 1, size))
    print(json.dumps({"median_ms": statistics.median(times), "best_block_median_ms": best, "mean_ms": statistics.fmean(times),
                      "steps": steps, "threads": torch.get_num_threads(), "torch": torch.__version__}))
