// A job view for tests, valid by the shared schema, with the fields a test cares about overridden.
import { JobView } from '@gpuq/shared';

export function jobView(overrides: Partial<JobView> = {}): JobView {
  return JobView.parse({
    id: 'solve_01m8aaaaaaaaaaaaaaaaaaaaaa',
    kind: 'solve',
    tenant: 'default',
    status: 'queued',
    priority: 50,
    labels: {},
    resources: { vramMb: null },
    timeoutSeconds: 600,
    attempts: { made: 0, max: 3 },
    createdAt: 1_700_000_000_000,
    startedAt: null,
    finishedAt: null,
    placement: null,
    pendingReason: 'waiting in the queue for the scheduler',
    queuePosition: 0,
    progress: null,
    result: null,
    error: null,
    cost: { gpuSeconds: 0, cpuSeconds: 0, usd: 0, stages: [] },
    batchId: null,
    cancelRequestedAt: null,
    webhook: null,
    ...overrides,
  });
}
