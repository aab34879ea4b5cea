/** What the bench ran on: CPU model, cores, the nominal clock and the float32 peak it implies. */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly mhz: number | null;
  readonly node: string;
  /** 2 FMA units × 8 float32 lanes (AVX2) × 2 flops × clock, per core (what native BLAS can reach). */
  readonly peak_gflops_per_core_native: number | null;
  /** WebAssembly SIMD128 without FMA: 4 lanes, 2 multiplies + 2 adds per cycle, per core. */
  readonly peak_gflops_per_core_wasm128: number | null;
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
  return {
    cpu,
    cores: availableParallelism(),
    mhz,
    node: process.version,
    peak_gflops_per_core_native: ghz === null ? null : 2 * 8 * 2 * ghz,
    peak_gflops_per_core_wasm128: ghz === null ? null : 4 * 2 * 2 * ghz,
  };
}
