// NVIDIA's thin client (cuopt_sh_client 25.08), replayed: each case is what the client sent to
// solver-cpu, byte for byte (fixtures/thin-client, captured by a recording proxy), with the status,
// content type and bytes it got back. Replies that depend on timing (a solution's solve times)
// are compared decoded, without those fields; ids are the live ones in place of the recorded.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequestBody } from '@gpuq/cuopt-wire';
import { AppProcess, startListening, waitFor } from '@gpuq/testkit';

interface Step {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  contentType: string | null;
  replyHex?: string;
  decoded?: unknown;
}
interface Case {
  ids: Record<string, string>;
  steps: Step[];
}

const FIXTURES = new URL('./fixtures/thin-client/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('exchanges.json', FIXTURES), 'utf8')) as Record<string, Case>;

let solver: AppProcess;
let base: string;
beforeAll(async () => {
  const started = await startListening(
    (port) => (solver = new AppProcess('solver-cpu', 'apps/solver-cpu/dist/server.js', { SOLVER_PORT: String(port), SOLVER_THREADS: '1' })),
    { readyMsg: 'solver-cpu ready' },
  );
  base = started.url;
});
afterAll(async () => {
  await solver?.stop();
});

function decode(contentType: string | null, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  if (contentType === 'application/json') return JSON.parse(body.toString('utf8'));
  if (contentType === 'application/zlib') return JSON.parse(inflateSync(body).toString('utf8'));
  return decodeRequestBody(body, 'msgpack', { allowPickle: false });
}

const withoutTimes = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'solver_time' && k !== 'total_solve_time').map(([k, v]) => [k, withoutTimes(v)]));
};

/** The recorded bytes with the recorded ids swapped for the live ones (same length: msgpack and JSON headers hold). */
function expectedBytes(step: Step, recorded: Record<string, string>, live: Record<string, string>): Buffer {
  let bytes = Buffer.from(step.replyHex!, 'hex');
  if (step.contentType === 'application/zlib') bytes = inflateSync(bytes);
  let text = bytes.toString('latin1');
  for (const [name, id] of Object.entries(recorded)) if (live[name]) text = text.split(id).join(live[name]);
  return Buffer.from(text, 'latin1');
}

async function send(step: Step, live: Record<string, string>) {
  const path = step.path.replace(/\{(\w+)\}/g, (_, name: string) => live[name] ?? `unknown-${name}`);
  const response = await fetch(`${base}${path}`, {
    method: step.method,
    headers: step.headers,
    ...(step.body ? { body: readFileSync(new URL(step.body, FIXTURES)) } : step.method === 'POST' ? { body: '' } : {}),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

describe('NVIDIA’s thin client against solver-cpu, replayed', () => {
  it.each(Object.keys(cases))('%s', async (name) => {
    const { ids: recorded, steps } = cases[name]!;
    const live: Record<string, string> = {};
    for (const step of steps) {
      let reply = await send(step, live);
      // A finished solution is polled for, as the client does, until it is no longer pending.
      if (step.method === 'GET' && /^\/cuopt\/solution\/[^/]+$/.test(step.path)) {
        reply = await waitFor(async () => {
          const r = await send(step, live);
          const value = decode(r.contentType, r.body) as Record<string, unknown>;
          return Object.keys(value).length === 1 && 'reqId' in value ? undefined : r;
        }, { what: `${name}: ${step.path}`, timeoutMs: 20_000 });
      }
      expect({ status: reply.status, contentType: reply.contentType }, `${step.method} ${step.path}`).toEqual({ status: step.status, contentType: step.contentType });
      if (step.method === 'POST' && reply.status === 200) {
        const { reqId } = decode(reply.contentType, reply.body) as { reqId: string };
        const count = Object.keys(live).length;
        live[count === 0 ? 'reqId' : `reqId${count + 1}`] = reqId;
      }
      if (step.replyHex !== undefined) {
        const body = step.contentType === 'application/zlib' ? inflateSync(reply.body) : reply.body;
        expect(body.toString('latin1'), `${step.method} ${step.path}`).toBe(expectedBytes(step, recorded, live).toString('latin1'));
      } else {
        let expected = JSON.stringify(step.decoded);
        for (const [id, value] of Object.entries(recorded)) if (live[id]) expected = expected.split(value).join(live[id]);
        expect(withoutTimes(decode(reply.contentType, reply.body)), `${step.method} ${step.path}`).toEqual(JSON.parse(expected));
      }
    }
  });
});
