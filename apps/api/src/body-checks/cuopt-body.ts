// A cuOpt request's body read as the cuOpt server reads it (docs/contracts/cuopt-rest.md): decoded
// from its encoding, a list of files unpacked into a list of problems, each problem through the
// server's compatibility steps and then checked as a gpuq solve job. Refusals carry cuOpt's status
// and wording. Pure, like the other body checks: it runs in a body-check thread for large bodies.
import { decodeRequestBody, unpackTupleBatch, WireDecodeError, type DecodeOptions, type WireMedia } from '@gpuq/cuopt-wire';
import { applyLpCompat, cuopt, isVrpInput, JobRequest, LinearProgram, VrpInput, type GpuqConfig } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import { checkJobRequest, type CheckedJob } from './checked-job.js';

/** A cuOpt error answer: its HTTP status and `{"error": …}` body (error_result: the request's own outcome). */
export class CuoptError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly isResult = false,
  ) {
    super(message);
    this.name = 'CuoptError';
  }
}

export interface CuoptBody {
  bytes: Uint8Array;
  media: WireMedia;
  decoding: DecodeOptions;
}

/** A list of problems is a batch: one job each. */
export interface CheckedCuoptBody {
  isBatch: boolean;
  jobs: CheckedJob[];
}

export function checkCuoptBody(body: CuoptBody, config: GpuqConfig): CheckedCuoptBody {
  const problem = decoded(body);
  const problems = Array.isArray(problem) ? problem : [problem];
  const jobs = problems.map((input, i) => {
    const where = Array.isArray(problem) ? `problem ${i}: ` : '';
    try {
      return checkJobRequest(solveRequestOf(input, where), config);
    } catch (err) {
      if (err instanceof ApiError) throw new CuoptError(err.statusCode === 400 ? 422 : err.statusCode, `${where}${describe(err)}`);
      throw err;
    }
  });
  return { isBatch: Array.isArray(problem), jobs };
}

/** The problem as JSON, unchecked (cuOpt's `cache=true` checks it when it is solved). */
export function cuoptProblemJson(body: CuoptBody): { isBatch: boolean; json: string } {
  const problem = decoded(body);
  return { isBatch: Array.isArray(problem), json: JSON.stringify(problem) };
}

function decoded({ bytes, media, decoding }: CuoptBody): unknown {
  try {
    // A list of [content type, bytes] pairs (cuOpt's client's list of files) becomes a list of problems.
    return unpackTupleBatch(decodeRequestBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), media, decoding), decoding);
  } catch (err) {
    if (err instanceof WireDecodeError) throw new CuoptError(err.status, err.message);
    throw err;
  }
}

/**
 * The gpuq solve job a cuOpt problem becomes, after the compatibility steps the cuOpt server takes
 * (old field names, IEEE infinities as bounds); one the checks refuse is refused as cuOpt refuses it.
 */
function solveRequestOf(input: unknown, where: string): JobRequest {
  // A cuOpt body is an LP/MILP or a VRP (MPS files are gpuq's own): checked as the one it is.
  const parsed = (isVrpInput(input) ? VrpInput : LinearProgram).safeParse(applyLpCompat(input));
  if (!parsed.success) {
    const refusal = cuopt.refusalOf(parsed.error.issues, where);
    throw new CuoptError(refusal.status, refusal.message);
  }
  return JobRequest.parse({ kind: 'solve', input: parsed.data });
}

/** An API refusal in one line: its message and each field's. */
export function describe(err: ApiError): string {
  const details = (err.details ?? []).map((d) => `${d.path}: ${d.message}`);
  return details.length > 0 ? `${err.message} ${details.join('; ')}` : err.message;
}
