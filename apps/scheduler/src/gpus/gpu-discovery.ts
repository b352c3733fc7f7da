// Finds the GPUs to schedule: declared in config, else nvidia-smi (MIG instances as GPUs of their
// own), else two simulated 24 GiB GPUs so development works anywhere. Applies the headroom.
import type { GpuqConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { simulatedGpus, type GpuSpec } from '../core/gpu-spec.js';
import { ClusterGpus } from './cluster/cluster-gpus.js';
import { gpusFromReadings } from './mig.js';
import { NvidiaSmi, NvidiaSmiMissingError } from './nvidia-smi.js';

export interface Discovery {
  gpus: GpuSpec[];
  /** The nvidia-smi to poll while running, if any. */
  monitor: NvidiaSmi | undefined;
  /** The cluster the GPUs are on, to follow while running, if they are a cluster's. */
  cluster?: ClusterGpus;
}

/** The headroom config sets for each GPU: its own (scheduler.gpuHeadroomMb), else the box's. */
export function withHeadroom(gpus: GpuSpec[], config: GpuqConfig): GpuSpec[] {
  return gpus.map((g) => ({ ...g, headroomMb: g.headroomMb ?? config.scheduler.gpuHeadroomMb[g.id] ?? config.scheduler.headroomMb }));
}

export async function discoverGpus(config: GpuqConfig, log: Logger): Promise<Discovery> {
  const configured = config.scheduler.gpuMonitor.command;
  if (config.cluster) {
    // Jobs that ask for whole GPUs (NVIDIA's device plugin) get one each, even on a GPU HAMi could share.
    const sharing = Object.values(config.kinds).flatMap((kind) => ('executor' in kind && kind.executor?.type === 'kubernetes' ? [kind.executor.gpuSharing] : []));
    const cluster = await ClusterGpus.read(config.cluster, log, !sharing.includes('hami'));
    return { gpus: withHeadroom(cluster.specs(), config), monitor: undefined, cluster };
  }
  if (config.gpus) {
    log.info({ gpus: config.gpus.map((g) => `${g.id}:${g.vramMb}MiB`) }, 'using the simulated GPUs declared in config');
    return { gpus: withHeadroom(simulatedGpus(config.gpus), config), monitor: configured ? new NvidiaSmi(configured) : undefined };
  }
  const smi = new NvidiaSmi(configured ?? 'nvidia-smi');
  try {
    const [{ readings, unreadable }, migs] = await Promise.all([smi.gpus(), smi.migDevices().catch(() => [])]);
    for (const lost of unreadable) log.warn({ busId: lost.busId, reason: lost.message }, 'nvidia-smi cannot read a GPU: it is not scheduled');
    const guessed = migs.filter((m) => m.memorySource !== 'nvidia-smi -q');
    if (guessed.length > 0) {
      log.warn(
        { migs: guessed.map((m) => `${m.uuid}:${m.profile}:${m.totalMb ?? 'unknown'}MiB`) },
        'nvidia-smi -q gave no memory for these MIG devices: sized from their profile names (90%), or left out when the name says nothing',
      );
    }
    const gpus = gpusFromReadings(readings, migs);
    if (gpus.length > 0) {
      log.info({ gpus: gpus.map((g) => `${g.id}:${g.name}:${g.totalMb}MiB`) }, 'found GPUs with nvidia-smi');
      return { gpus: withHeadroom(gpus, config), monitor: configured === null ? undefined : smi };
    }
    log.warn('nvidia-smi lists no GPUs');
  } catch (err) {
    if (!(err instanceof NvidiaSmiMissingError)) throw err;
  }
  const gpus = simulatedGpus();
  log.warn({ gpus: gpus.map((g) => `${g.id}:${g.totalMb}MiB`) }, 'no GPUs declared in config and no nvidia-smi: simulating two 24 GiB GPUs');
  return { gpus: withHeadroom(gpus, config), monitor: undefined };
}
