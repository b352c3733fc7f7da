// Messages between the HTTP server and its solver threads.
import type { WireMedia } from '@gpuq/cuopt-wire';
import type { SolverResponse } from './highs-result.js';

export interface ThreadData {
  /** One Int32: set to 1 to ask the running solve to stop at its next checkpoint. */
  interruptFlag: SharedArrayBuffer;
  allowPickle: boolean;
}

export interface ThreadRequest {
  reqId: string;
  /** The request body as received, in its wire encoding: decoded, parsed and validated in the thread. */
  body: Uint8Array;
  media: WireMedia;
  incumbents: boolean;
  /** Stream the solver's log back (`solver_logs=true`). */
  logs: boolean;
  /** Validate only (`validation_only=true`, or a `cache=true` submit). */
  validationOnly: boolean;
}

export type ThreadReply =
  | { type: 'ready' }
  | { type: 'incumbent'; reqId: string; solution: number[]; cost: number; bound: number }
  | { type: 'log'; reqId: string; text: string }
  | { type: 'done'; reqId: string; ok: true; response: SolverResponse; notes: string[]; warnings: string[] }
  | { type: 'done'; reqId: string; ok: false; status: number; error: string };
