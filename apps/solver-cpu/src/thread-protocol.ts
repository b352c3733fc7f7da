// Messages between the HTTP server and its solver threads.
import type { cuopt } from '@gpuq/shared';

export interface ThreadData {
  /** One Int32: set to 1 to ask the running solve to stop at its next checkpoint. */
  interruptFlag: SharedArrayBuffer;
}

export interface ThreadRequest {
  reqId: string;
  /** The request body as received: parsed and validated in the thread. */
  body: string;
  incumbents: boolean;
}

export type ThreadReply =
  | { type: 'ready' }
  | { type: 'incumbent'; reqId: string; solution: number[]; cost: number; bound: number }
  | { type: 'done'; reqId: string; ok: true; response: cuopt.LpResponse; notes: string[]; warnings: string[] }
  | { type: 'done'; reqId: string; ok: false; status: 400 | 422 | 500; error: string };
