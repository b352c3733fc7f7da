// A fetch that answers from a script, one step per call, and records what it was asked.

export interface FetchCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export type Step = Response | Error | ((call: FetchCall) => Response);

export function fakeFetch(steps: Step[]): { fetch: typeof fetch; calls: FetchCall[] } {
  const calls: FetchCall[] = [];
  const fetchFn = async (input: string | URL | Request, init: RequestInit = {}) => {
    const call: FetchCall = {
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      method: init.method ?? 'GET',
      headers: Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
      body: typeof init.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    const step = steps[Math.min(calls.length, steps.length) - 1];
    if (step === undefined) throw new Error('the fake fetch has no steps');
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(call) : step.clone();
  };
  return { fetch: fetchFn, calls };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** What Node's fetch throws when nothing listens on the port. */
export const refused = () => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });

/** A text/event-stream response whose body is these chunks; `isCut` ends it as a dropped socket does. */
export function eventStream(chunks: string[], isCut = false): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else if (isCut) controller.error(new TypeError('terminated'));
      else controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}
