// The shapes of the API's answers, built from the shared schemas the API itself answers with, so
// that a client and server that disagree fail with a clear error instead of a wrong value.
import { z } from 'zod';
import { ErrorBody, ErrorDetail, type JobRequest } from '@gpuq/shared';

export { BoxDrainState, GpuBox, GpusView, JobEndData, JobPage } from '@gpuq/shared';

/** A job request as a caller writes it: fields with defaults (priority, …) may be left out. */
export type JobRequestInput = z.input<typeof JobRequest>;

/** The error body, read leniently: a newer server may send a code this client does not know yet. */
export const ErrorEnvelope = z.object({
  error: ErrorBody.shape.error.extend({ code: z.string(), details: z.array(ErrorDetail).optional() }),
});
