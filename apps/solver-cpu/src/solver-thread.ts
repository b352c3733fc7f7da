// A worker thread that owns one HiGHS runtime and solves one request at a time, so the HTTP
// server's event loop never blocks on a solve, nor on decoding and validating a large body.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { Highs } from 'highs';
import { decodeRequestBody, unpackTupleBatch, WireDecodeError } from '@gpuq/cuopt-wire';
import { solveBody, SolveError, type SolveHooks } from './solve.js';
import type { ThreadData, ThreadReply, ThreadRequest } from './thread-protocol.js';

// highs' types describe its ES build as CommonJS, so its default import does not type-check
// under NodeNext; its CommonJS build exports the loader itself.
const loadHighs = createRequire(import.meta.url)('highs') as () => Promise<Highs>;

const port = parentPort!;
const data = workerData as ThreadData;
const interrupt = new Int32Array(data.interruptFlag);
const highs = await loadHighs();

function handle(request: ThreadRequest): ThreadReply {
  const post = (reply: ThreadReply) => port.postMessage(reply);
  try {
    const options = { allowPickle: data.allowPickle };
    const body = unpackTupleBatch(decodeRequestBody(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength), request.media, options), options);
    const hooks: SolveHooks = {
      shouldStop: () => Atomics.load(interrupt, 0) === 1,
      validationOnly: request.validationOnly,
      ...(request.incumbents ? { onIncumbent: (incumbent) => post({ type: 'incumbent', reqId: request.reqId, ...incumbent }) } : {}),
      ...(request.logs ? { onLog: (text) => post({ type: 'log', reqId: request.reqId, text }) } : {}),
    };
    return { type: 'done', reqId: request.reqId, ok: true, ...solveBody(highs, body, hooks) };
  } catch (err) {
    if (err instanceof SolveError || err instanceof WireDecodeError) return { type: 'done', reqId: request.reqId, ok: false, status: err.status, error: err.message };
    // cuOpt's wording for anything unexpected, with the first line of the message.
    const message = (err as Error).message.split('\n')[0];
    return { type: 'done', reqId: request.reqId, ok: false, status: 500, error: `cuOpt unhandled exception, please include this message in any error report: ${message}` };
  }
}

port.on('message', (request: ThreadRequest) => port.postMessage(handle(request)));
port.postMessage({ type: 'ready' } satisfies ThreadReply);
