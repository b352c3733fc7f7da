// gpuq result <id> [--out dir] — a succeeded job's result as JSON; with --out, written there with
// the job's files (structures, confidence files…).
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GpuqClient } from '../../client.js';
import { GpuqApiError } from '../../errors.js';
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode, exitCodeForStatus } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import type { CliIo } from '../io.js';
import { describeView } from '../job-text.js';
import { artifactsOf } from '../result-summary.js';
import { UsageError } from '../usage-error.js';

/** The names the API serves; anything else could write outside --out. */
const SAFE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,255}$/;

export const resultCommand: Command = {
  name: 'result',
  summary: "print a succeeded job's result (--out: save it and its files)",
  help: `Usage: gpuq result <id> [--out dir]

Prints the result as JSON. A job that failed or was cancelled prints why, and exits 1 or 3.

Options:
  --out dir              write result.json and every file the job produced into dir`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('result', args, { out: { type: 'string' } });
    const [id] = positionalsOf('result', positionals, ['id'] as const);
    const client = connect(values, io);
    let result: unknown;
    try {
      result = await client.result(id, { signal: io.signal });
    } catch (err) {
      if (!(err instanceof GpuqApiError && err.code === 'job_not_succeeded')) throw err;
      const view = await client.get(id, { signal: io.signal });
      io.stderr.write(`gpuq: job ${view.id} has no result: ${describeView(view)}\n`);
      return view.status === 'failed' || view.status === 'cancelled' ? exitCodeForStatus(view.status) : ExitCode.usage;
    }
    if (values.out === undefined) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return ExitCode.ok;
    }
    await saveResult(client, id, result, values.out, io);
    return ExitCode.ok;
  },
};

async function saveResult(client: GpuqClient, id: string, result: unknown, dir: string, io: CliIo): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  } catch (err) {
    throw new UsageError(`cannot write to ${dir}: ${(err as Error).message}`, 'result');
  }
  io.stdout.write(`${join(dir, 'result.json')}\n`);
  for (const { name } of artifactsOf(result)) {
    if (!SAFE_NAME.test(name)) {
      io.stderr.write(`gpuq: skipped an artifact with an unsafe name: ${JSON.stringify(name)}\n`);
      continue;
    }
    const artifact = await client.artifact(id, name, { signal: io.signal });
    const path = join(dir, name);
    await pipeline(Readable.fromWeb(artifact.body), createWriteStream(path));
    io.stdout.write(`${path}${artifact.sizeBytes === undefined ? '' : ` (${formatBytes(artifact.sizeBytes)})`}\n`);
  }
}
