// A worker thread that owns one HiGHS runtime and solves one request at a time, so the HTTP
// server's event loop never blocks on a solve, nor on parsing and validating a large body.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { Highs } from 'highs';
import { solveBody, SolveError } from './solve.js';
import type { ThreadData, ThreadReply, ThreadRequest } from './thread-protocol.js';

// highs' types describe its ES build as CommonJS, so its default import does not type-check
// under NodeNext; its CommonJS build exports the loader itself.
const loadHighs = createRequire(import.meta.url)('highs') as () => Promise<Highs>;

const port = parentPort!;
const interrupt = new Int32Array((workerData as ThreadData).interruptFlag);
const highs = await loadHighs();

function handle(request: ThreadRequest): ThreadReply {
  try {
    const result = solveBody(highs, request.body, {
      shouldStop: () => Atomics.load(interrupt, 0) === 1,
      ...(request.incumbents
        ? { onIncumbent: (incumbent) => port.postMessage({ type: 'incumbent', reqId: request.reqId, ...incumbent } satisfies ThreadReply) }
        : {}),
    });
    return { type: 'done', reqId: request.reqId, ok: true, ...result };
  } catch (err) {
    if (err instanceof SolveError) return { type: 'done', reqId: request.reqId, ok: false, status: err.status, error: err.message };
    return { type: 'done', reqId: request.reqId, ok: false, status: 500, error: `solver-cpu unhandled exception: ${(err as Error).message}` };
  }
}

port.on('message', (request: ThreadRequest) => port.postMessage(handle(request)));
port.postMessage({ type: 'ready' } satisfies ThreadReply);
