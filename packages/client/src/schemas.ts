// The shapes of the API's answers, built from the shared schemas the API itself answers with, so
// that a client and server that disagree fail with a clear error instead of a wrong value.
import { z } from 'zod';
import { ErrorBody, ErrorDetail, Inventory, JobStatus, JobView, type JobRequest } from '@gpuq/shared';

/** A job request as a caller writes it: fields with defaults (priority, …) may be left out. */
export type JobRequestInput = z.input<typeof JobRequest>;

/** One page of GET /v1/jobs. */
export const JobPage = z.object({ jobs: z.array(JobView), nextCursor: z.string().nullable() });
export type JobPage = z.infer<typeof JobPage>;

/** A box in GET /v1/gpus: its published inventory, less what only the scheduler needs. */
export const GpuBox = Inventory.pick({ boxId: true, schedulerId: true, updatedAt: true, kinds: true, gpus: true, solveServers: true });
export type GpuBox = z.infer<typeof GpuBox>;

export const GpusView = z.object({ boxes: z.array(GpuBox) });
export type GpusView = z.infer<typeof GpusView>;

/** The data of the `end` event that closes a job's event stream. */
export const JobEndData = z.object({ id: z.string(), status: JobStatus });

/** The error body, read leniently: a newer server may send a code this client does not know yet. */
export const ErrorEnvelope = z.object({
  error: ErrorBody.shape.error.extend({ code: z.string(), details: z.array(ErrorDetail).optional() }),
});
