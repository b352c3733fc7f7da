// Jobs as the API stores them, for the paths that enqueue without HTTP: the same JobData (built by
// the shared jobSettingsOf from a parsed request, its input kept apart), the same BullMQ options
// and the same need that the API writes.
import { bullJobOptions, JobRequest, jobDataV2, jobSettingsOf, KINDS, newJobId, placementNeedOf, queuedNeedOf, type BullJobOptions, type GpuqConfig, type JobData, type Kind, type QueuedNeed } from '@gpuq/shared';

/** The LP of cuOpt's documentation (docs/contracts/cuopt-rest.md): what a small solve looks like. */
export const SOLVE_INPUT = {
  csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [3.0, 4.0, 2.7, 10.1] },
  constraint_bounds: { upper_bounds: [5.4, 4.9], lower_bounds: ['ninf', 'ninf'] },
  objective_data: { coefficients: [-0.2, 0.1], scalability_factor: 1.0, offset: 0.0 },
  variable_bounds: { upper_bounds: ['inf', 'inf'], lower_bounds: [0.0, 0.0] },
  maximize: false,
};

/** A small valid input of each kind. */
export const INPUTS: Record<Kind, unknown> = {
  solve: SOLVE_INPUT,
  inference: { model: 'default', texts: ['a short text to classify'] },
  fold: { sequences: [{ protein: { id: 'A', sequence: 'MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ', msa: 'empty' } }] },
};

export interface QueuedJob {
  name: Kind;
  data: JobData;
  opts: BullJobOptions;
  /** What it needs, as the API stores it beside the queue. */
  need: QueuedNeed;
  /** Its input's JSON, stored apart as the API stores it. */
  input: string;
}

/** Each kind's request, parsed as the API parses it: defaults filled, inputs checked once. */
const REQUESTS = new Map<Kind, JobRequest>(KINDS.map((kind) => [kind, JobRequest.parse({ kind, input: INPUTS[kind] })]));

/** A job of `kind` as a submit would store it, declaring `vramMb` when given. */
export function queuedJob(kind: Kind, config: GpuqConfig, vramMb?: number): QueuedJob {
  const request = { ...REQUESTS.get(kind)!, ...(vramMb !== undefined ? { resources: { vramMb } } : {}) };
  const submittedAt = Date.now();
  const settings = jobSettingsOf(request, 'bench', config.kinds[kind], submittedAt);
  const need = queuedNeedOf(settings, placementNeedOf(kind, { input: request.input, requestedVramMb: settings.requestedVramMb }, config));
  const input = JSON.stringify(request.input);
  const data = jobDataV2(settings, Buffer.byteLength(input), need);
  return { name: kind, data, opts: bullJobOptions(newJobId(kind, submittedAt), data, config.kinds[kind].backoffMs), need, input };
}
