// The config file the bench runs gpuq's processes with: simulated GPUs, and solve jobs placed on
// them by VRAM like the other kinds (the bench's scheduler runs no-op executors, so the executor
// named here is never called). Validated with the shared schema before it is written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuqConfig, type GpuDeclaration } from '@gpuq/shared';

/** `count` GPUs of `vramMb` each, named gpu0, gpu1, … */
export function gpusOf(count: number, vramMb: number): GpuDeclaration[] {
  return Array.from({ length: count }, (_, i) => ({ id: `gpu${i}`, vramMb }));
}

/** Writes the config (of box `boxId`, when given) into a fresh temporary directory: its path, and the config as gpuq reads it. */
export function writeBenchConfig(gpus: GpuDeclaration[], boxId?: string): { path: string; config: GpuqConfig } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-bench-'));
  const config = {
    gpus,
    ...(boxId !== undefined ? { scheduler: { boxId } } : {}),
    // Auth on; the rate limit far above what one machine can send, so it is counted but never hit.
    api: { rateLimitPerMinute: 100_000_000 },
    kinds: { solve: { executor: { type: 'http', url: 'http://127.0.0.1:9' } } },
    artifactsDir: join(dir, 'artifacts'),
  };
  const path = join(dir, 'gpuq.json');
  writeFileSync(path, JSON.stringify(config));
  return { path, config: GpuqConfig.parse(config) };
}
