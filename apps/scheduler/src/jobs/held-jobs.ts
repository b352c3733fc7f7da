// A fetched job as the scheduler holds it: what placement needs, read through the kind catalog
// (the same need the API admitted it with), with the VRAM estimate corrected by what the kind's
// finished jobs really used.
import type { Job } from 'bullmq';
import { placementNeedOf, type JobDataWithInput } from '@gpuq/shared';
import { serverDeviceId } from '../kinds/solve/solve-servers.js';
import type { HeldJob } from './held-job.js';
import type { SchedulerServices } from './services.js';

/** Device sets, one per distinct list (a model's GPUs, the servers that take a problem), not one per job. */
const deviceSets = new Map<string, ReadonlySet<string>>();

function deviceSet(ids: readonly string[], toDevice: (id: string) => string = (id) => id): ReadonlySet<string> {
  const devices = ids.map(toDevice);
  const key = devices.join('\n');
  let set = deviceSets.get(key);
  if (!set) {
    set = new Set(devices);
    deviceSets.set(key, set);
  }
  return set;
}

/**
 * The held job for a fetched one. `minVramMb`: an earlier attempt ran out of memory, so only a
 * larger GPU will do.
 */
export function toHeld(services: Pick<SchedulerServices, 'config' | 'estimator' | 'core' | 'devices'>, job: Job, token: string, data: JobDataWithInput, minVramMb = 0): HeldJob {
  const need = placementNeedOf(data.kind, { input: data.input, requestedVramMb: data.requestedVramMb }, services.config);
  // One object literal per branch, every field always present: the placement pass reads these
  // objects once per GPU, and objects of one shape keep those reads fast.
  if (need.type === 'server-slot') {
    return {
      id: job.id!,
      kind: data.kind,
      priority: data.priority,
      submittedAt: data.submittedAt,
      vramMb: 0,
      devices: deviceSet(need.servers, serverDeviceId),
      noDeviceReason: need.whyNone,
      runBoundMs: data.timeoutSeconds * 1000,
      job,
      token,
      data,
      attempt: job.attemptsStarted,
      baseVramMb: 0,
      estimateSource: 'slot',
      prepared: undefined,
      stages: undefined,
    };
  }
  const devices = need.gpus ? deviceSet(need.gpus) : undefined;
  const estimate = services.estimator.estimate(data.kind, need.source === 'declared' ? need.vramMb : undefined, need.estimateMb);
  // What was learned may say more than any GPU here has; the kind's own figure fitted (the API
  // admitted it), so the job tries the largest GPU rather than failing as never fitting.
  const vramMb = estimate.source === 'learned' ? Math.max(need.estimateMb, Math.min(estimate.vramMb, services.core.ledger.largestCapacityMb(devices ?? services.devices.get(data.kind)))) : estimate.vramMb;
  return {
    id: job.id!,
    kind: data.kind,
    priority: data.priority,
    submittedAt: data.submittedAt,
    // After running out of memory, only a larger GPU will do.
    vramMb: Math.max(vramMb, minVramMb),
    devices,
    noDeviceReason: undefined,
    runBoundMs: data.timeoutSeconds * 1000,
    job,
    token,
    data,
    attempt: job.attemptsStarted,
    baseVramMb: need.estimateMb,
    estimateSource: estimate.source,
    prepared: undefined,
    stages: undefined,
  };
}
