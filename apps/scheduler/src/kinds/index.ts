// One executor per kind, built from config.
import type { GpuqConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { foldContainer } from './fold/fold-container.js';
import type { ContainerAdapter } from '../executors/container-attempt.js';
import { DockerExecutor } from '../executors/docker.js';
import type { Executor } from '../executors/executor.js';
import type { NodeOf } from '../gpus/cluster/kube-config.js';
import { HttpExecutor } from '../executors/http.js';
import { KubernetesExecutor } from '../executors/kubernetes/kubernetes-executor.js';
import { InferenceExecutor } from './inference/inference-executor.js';
import { ProcessExecutor } from '../executors/process.js';
import { SolveRouter } from './solve/solve-router.js';
import type { SolveServers } from './solve/solve-servers.js';


/** How each kind runs in a container, for kinds config gives a docker or kubernetes executor. */
const CONTAINER_ADAPTERS: Record<string, ContainerAdapter> = { fold: foldContainer };

/**
 * Each kind's executor; solve jobs go to `solveServers` when config lists servers. `clusterNodeOf`:
 * the node of a GPU read from a Kubernetes cluster (as the cluster is now), beside those a
 * kubernetes executor's config names.
 */
export function createExecutors(config: GpuqConfig, boxId: string, log: Logger, solveServers?: SolveServers, clusterNodeOf: NodeOf = () => undefined): Map<string, Executor> {
  const executors = new Map<string, Executor>();
  if (solveServers) executors.set('solve', new SolveRouter(solveServers, log.child({ kind: 'solve', executor: 'solve-servers' })));
  executors.set('inference', new InferenceExecutor(config, log.child({ kind: 'inference', executor: 'pipeline' })));
  for (const [kind, kindConfig] of Object.entries(config.kinds)) {
    const executor = 'executor' in kindConfig ? kindConfig.executor : undefined;
    if (!executor) continue;
    switch (executor.type) {
      case 'http':
        executors.set(kind, new HttpExecutor(executor, log.child({ kind, executor: 'http', url: executor.url })));
        break;
      case 'process':
        executors.set(kind, new ProcessExecutor(executor, log.child({ kind, executor: 'process' })));
        break;
      case 'docker': {
        const adapter = CONTAINER_ADAPTERS[kind];
        if (!adapter) throw new Error(`config kinds.${kind}.executor is docker, but gpuq knows no container for ${kind} jobs`);
        executors.set(kind, new DockerExecutor(executor, adapter, config.artifactsDir, boxId, log.child({ kind, executor: 'docker', image: executor.image })));
        break;
      }
      case 'kubernetes': {
        const adapter = CONTAINER_ADAPTERS[kind];
        if (!adapter) throw new Error(`config kinds.${kind}.executor is kubernetes, but gpuq knows no container for ${kind} jobs`);
        const kubeLog = log.child({ kind, executor: 'kubernetes', namespace: executor.namespace });
        executors.set(kind, new KubernetesExecutor(executor, adapter, config.artifactsDir, boxId, kubeLog, clusterNodeOf));
        break;
      }
    }
  }
  return executors;
}
