// A hostile tenant, as a process of its own so that building and sending its bodies costs the
// measuring process nothing: it posts the largest submit bodies a tenant may send (a valid MPS and
// a VRP cost matrix, each just under the body limit), `concurrency` at once, for `durationMs`, and
// counts the answers. Forked by isolation.ts (the benchmark and test/tenant-isolation.test.ts).
import { ErrorBody } from '@gpuq/shared';

export interface HostileLoad {
  /** The API's base URL. */
  url: string;
  key: string;
  /** The size each body is built to (the body limit less a margin). */
  bodyBytes: number;
  /** Bodies in flight at once, MPS and VRP alternating. */
  concurrency: number;
  durationMs: number;
}

export interface HostileAnswers {
  /** Answers by HTTP status. */
  byStatus: Record<string, number>;
  /** Refusals by their error code. */
  byErrorCode: Record<string, number>;
  /** Requests that got no answer, by error code (ECONNRESET, …). */
  socketErrors: Record<string, number>;
  /** Refusals not in the documented `{"error": {"code", "message"}}` shape: their status and first bytes. */
  notOurShape: string[];
}

/** What the parent sends: the load to run. */
export type HostileRequest = { type: 'start'; load: HostileLoad };
/** What the child says: it begins sending (its bodies built), then what it was answered. */
export type HostileMessage = { type: 'sending'; mpsBytes: number; vrpBytes: number } | { type: 'done'; answers: HostileAnswers };

/**
 * An MPS with two rows and as many columns as fit in `targetBytes` once it is a JSON string (each
 * newline two bytes there): valid, so it is read to the end.
 */
function largeMps(targetBytes: number): string {
  const lines = ['NAME big', 'ROWS', ' N obj', ' L c1', ' L c2', 'COLUMNS'];
  const tail = ['RHS', '    rhs  c1  100  c2  200', 'ENDATA'];
  let size = lines.join('\n').length + tail.join('\n').length + 64;
  for (let i = 0; ; i++) {
    const a = `    x${i}  obj  ${(i % 7) + 1}  c1  ${(i % 3) + 1}`;
    const b = `    x${i}  c2  ${(i % 5) + 1}`;
    if (size + a.length + b.length + 4 > targetBytes) break;
    lines.push(a, b);
    size += a.length + b.length + 4;
  }
  return [...lines, ...tail].join('\n');
}

function vrpBody(n: number): string {
  const row = (i: number) => Array.from({ length: n }, (_, j) => Math.abs(i - j) + 0.5);
  return JSON.stringify({
    kind: 'solve',
    input: {
      cost_matrix_data: { data: { 0: Array.from({ length: n }, (_, i) => row(i)) } },
      fleet_data: { vehicle_locations: [[0, 0]] },
      task_data: { task_locations: Array.from({ length: n - 1 }, (_, i) => i + 1) },
    },
  });
}

/** A VRP whose n×n cost matrix fills about `targetBytes` of JSON, never more. */
function largeVrpBody(targetBytes: number): string {
  let n = Math.floor(Math.sqrt(targetBytes / 6));
  for (;;) {
    const body = vrpBody(n);
    if (body.length <= targetBytes) return body;
    n = Math.floor(n * Math.sqrt(targetBytes / body.length) * 0.995);
  }
}

const count = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

async function sendUntil(load: HostileLoad, body: Buffer, deadlineMs: number, answers: HostileAnswers): Promise<void> {
  const headers = { authorization: `Bearer ${load.key}`, 'content-type': 'application/json' };
  while (Date.now() < deadlineMs) {
    try {
      const response = await fetch(`${load.url}/v1/jobs`, { method: 'POST', headers, body });
      const text = await response.text();
      count(answers.byStatus, String(response.status));
      if (response.status < 400) continue;
      const refusal = ErrorBody.safeParse(JSON.parse(text || 'null'));
      if (refusal.success) count(answers.byErrorCode, refusal.data.error.code);
      else answers.notOurShape.push(`${response.status}: ${text.slice(0, 200)}`);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      count(answers.socketErrors, cause?.code ?? (err as Error).message);
      // The API went away: do not spin.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function run(load: HostileLoad): Promise<HostileAnswers> {
  const mps = Buffer.from(JSON.stringify({ kind: 'solve', input: { format: 'mps', mps: largeMps(load.bodyBytes - 100) } }));
  const vrp = Buffer.from(largeVrpBody(load.bodyBytes));
  const answers: HostileAnswers = { byStatus: {}, byErrorCode: {}, socketErrors: {}, notOurShape: [] };
  send({ type: 'sending', mpsBytes: mps.length, vrpBytes: vrp.length });
  const deadlineMs = Date.now() + load.durationMs;
  await Promise.all(Array.from({ length: load.concurrency }, (_, i) => sendUntil(load, i % 2 === 0 ? mps : vrp, deadlineMs, answers)));
  return answers;
}

const send = (message: HostileMessage, then: () => void = () => undefined) => void process.send?.(message, then);

process.once('message', (message: HostileRequest) => {
  void run(message.load).then(
    (answers) => send({ type: 'done', answers }, () => process.exit(0)),
    (err: unknown) => {
      process.stderr.write(`hostile tenant failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
});
// The parent went away without waiting for the answers: stop sending.
process.once('disconnect', () => process.exit(0));
