/** Fargate's allowed task sizes: CPU units and, per CPU, the memory range and step (MiB). */
const SIZES: ReadonlyArray<{ cpu: number; min: number; max: number; step: number }> = [
  { cpu: 256, min: 512, max: 2048, step: 512 },
  { cpu: 512, min: 1024, max: 4096, step: 1024 },
  { cpu: 1024, min: 2048, max: 8192, step: 1024 },
  { cpu: 2048, min: 4096, max: 16384, step: 1024 },
  { cpu: 4096, min: 8192, max: 30720, step: 1024 },
  { cpu: 8192, min: 16384, max: 61440, step: 4096 },
  { cpu: 16384, min: 32768, max: 122880, step: 8192 },
];

/**
 * The smallest Fargate size that holds a CPU request (millicores) and memory (MiB): Fargate
 * refuses any other pair, so a preset's Kubernetes-style sizes are rounded up, never down.
 */
export function fargateSize(cpuMillicores: number, memoryMb: number): { cpu: number; memory: number } {
  const units = Math.ceil((cpuMillicores * 1024) / 1000);
  for (const size of SIZES) {
    if (size.cpu < units || size.max < memoryMb) continue;
    const memory = Math.max(size.min, Math.ceil(memoryMb / size.step) * size.step);
    return { cpu: size.cpu, memory };
  }
  throw new Error(`no Fargate size holds ${cpuMillicores}m CPU and ${memoryMb} MiB`);
}
