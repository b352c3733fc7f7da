// One executor per kind, built from config.
import type { GpuqConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { Executor } from './executor.js';
import { HttpExecutor } from './http.js';
import { ProcessExecutor } from './process.js';

export * from './executor.js';

export function createExecutors(config: GpuqConfig, log: Logger): Map<string, Executor> {
  const executors = new Map<string, Executor>();
  for (const [kind, kindConfig] of Object.entries(config.kinds)) {
    const executor = kindConfig.executor;
    switch (executor.type) {
      case 'http':
        executors.set(kind, new HttpExecutor(executor, log.child({ kind, executor: 'http', url: executor.url })));
        break;
      case 'process':
        executors.set(kind, new ProcessExecutor(executor, log.child({ kind, executor: 'process' })));
        break;
    }
  }
  return executors;
}
