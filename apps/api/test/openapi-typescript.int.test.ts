// A client generated from /openapi.json must compile and type real calls: openapi-typescript makes
// the types (offline, from the document as served), and the TypeScript compiler checks a typed
// submit, the job it answers, and every example of the document; a call that is wrong must not compile.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './test-app.js';

type ServedDocument = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }>> };

let app: TestApp;
let dir: string;

beforeAll(async () => {
  app = await buildTestApp();
  dir = await mkdtemp(join(tmpdir(), 'gpuq-openapi-ts-'));
  const served = await app.inject({ method: 'GET', url: '/openapi.json' });
  const doc: ServedDocument = served.json();
  // A default makes a request's field optional, not required: the README says to generate with this flag too.
  const types = astToString(await openapiTS(served.body, { defaultNonNullable: false }));
  await writeFile(join(dir, 'api.d.ts'), types);
  const examples = Object.values(doc.paths['/v1/jobs']!.post!.requestBody!.content['application/json']!.examples ?? {}).map((example) => example.value);
  await writeFile(join(dir, 'examples.ts'), `import type { paths } from './api.js';\nexport const examples: paths['/v1/jobs']['post']['requestBody']['content']['application/json'][] = ${JSON.stringify(examples, null, 2)};\n`);
});

afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The compiler's errors for `source`, checked against the generated types, as one line each. */
async function compileErrors(name: string, source: string): Promise<string[]> {
  const file = join(dir, name);
  await writeFile(file, source);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    lib: ['lib.es2022.d.ts'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${d.file.fileName.slice(dir.length + 1)}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

const HEADER = `import type { components, operations, paths } from './api.js';
type SubmitBody = paths['/v1/jobs']['post']['requestBody']['content']['application/json'];
type JobView = components['schemas']['JobView'];
declare function submitJob(body: SubmitBody): Promise<JobView>;
`;

describe('types generated from /openapi.json with openapi-typescript', () => {
  it('type a submit of the README LP, the job it answers, the named kinds and every example of the document', async () => {
    const source = `${HEADER}
import { examples } from './examples.js';
const lp: SubmitBody = {
  kind: 'solve',
  input: {
    csr_constraint_matrix: { offsets: [0, 2, 4], indices: [0, 1, 0, 1], values: [3.0, 4.0, 2.7, 10.1] },
    constraint_bounds: { upper_bounds: [5.4, 4.9], lower_bounds: ['ninf', 'ninf'] },
    objective_data: { coefficients: [-0.2, 0.1], scalability_factor: 1.0, offset: 0.0 },
    variable_bounds: { upper_bounds: ['inf', 'inf'], lower_bounds: [0.0, 0.0] },
    maximize: false,
  },
};
const inference: components['schemas']['InferenceJobRequest'] = { kind: 'inference', input: { texts: ['A wonderful film.'] }, labels: { team: 'ml' } };
type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export async function statuses(): Promise<Status[]> {
  const job = await submitJob(lp);
  const page: operations['listJobs']['responses'][200]['content']['application/json'] = { jobs: [job], nextCursor: null };
  const error: components['schemas']['ErrorReply'] = { error: { code: 'job_not_found', message: 'No job with that id.' } };
  const placed: string | null | undefined = job.placement?.gpu;
  void placed;
  void error;
  return [job.status, (await submitJob(inference)).status, ...page.jobs.map((j) => j.status), ...(await Promise.all(examples.map(submitJob))).map((j) => j.status)];
}
`;
    expect(await compileErrors('call.ts', source)).toEqual([]);
  }, 20_000);

  it('refuse a request and a reading the API would not take', async () => {
    const source = `${HEADER}
const wrongKind: SubmitBody = { kind: 'render', input: {} };
const wrongPriority: SubmitBody = { kind: 'inference', input: { texts: ['x'] }, priority: 'high' };
export async function wrongStatus(): Promise<void> {
  const job = await submitJob({ kind: 'inference', input: { texts: ['x'] } });
  const done: boolean = job.status === 'done';
  void [wrongKind, wrongPriority, done];
}
`;
    const errors = await compileErrors('wrong.ts', source);
    expect(errors.length, errors.join('\n')).toBeGreaterThanOrEqual(3);
    expect(errors.join('\n')).toMatch(/"render"/);
    expect(errors.join('\n')).toMatch(/"high"|string.*number/);
    expect(errors.join('\n')).toMatch(/"done"/);
  }, 20_000);
});
