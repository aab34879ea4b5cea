/** What the bench ran on: CPU model, cores, the nominal clock and the float32 peak it implies. */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly mhz: number | null;
  /** The clock actually running, from the latency of a chain of dependent 32-bit multiplies (3 cycles each). */
  readonly measured_mhz: number;
  readonly node: string;
  /** 2 FMA units × 8 float32 lanes (AVX2) × 2 flops × clock, per core (what native BLAS can reach). */
  readonly peak_gflops_per_core_native: number | null;
  /** WebAssembly SIMD128 without FMA: 4 lanes, 2 multiplies + 2 adds per cycle, per core, at the measured clock. */
  readonly peak_gflops_per_core_wasm128: number;
}

function imulChain(n: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) x = Math.imul(x, 0x2545f491);
  return x;
}

/** Cycles per multiply in the chain: 3 on current x86 cores (Zen, Skylake and later). */
const IMUL_LATENCY = 3;

export function measuredMhz(): number {
  imulChain(1e6);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const n = 5e7;
    const t0 = performance.now();
    imulChain(n);
    best = Math.min(best, (performance.now() - t0) / n); // ms per multiply
  }
  return IMUL_LATENCY / (best * 1e3); // cycles / µs = MHz
}

export function machineInfo(): MachineInfo {
  let mhz: number | null = null;
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(text);
    if (m) mhz = Number(m[1]);
    const name = /model name\s*:\s*(.+)/.exec(text);
    if (name) cpu = name[1].trim();
  } catch {
    mhz = cpus()[0]?.speed || null;
  }
  const ghz = mhz === null ? null : mhz / 1000;
  const measured = Math.round(measuredMhz());
  return {
    cpu,
    cores: availableParallelism(),
    mhz,
    measured_mhz: measured,
    node: process.version,
    peak_gflops_per_core_native: ghz === null ? null : 2 * 8 * 2 * ghz,
    peak_gflops_per_core_wasm128: (4 * 2 * 2 * measured) / 1000,
  };
}
