// A cuOpt result the server wrote to a file instead of replying with it (CUOPT_RESULT_DIR set on the
// server, result of CUOPT_MAX_RESULT KB or more). The protocol hands out only the file's name: NVIDIA's
// own client tells the user to copy the file off the server (cuopt_sh_client README), so gpuq reads it
// where the operator mounted that directory on this machine (the solve server's `resultDir`).
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import type { cuopt } from '@gpuq/shared';
import { JobFailure } from './executor.js';

const inflateAsync = promisify(inflate);

export interface ResultFileRead {
  /** The file's content, decoded: the whole solution reply, as the server would have sent it. */
  body: unknown;
  /** Removes the file (gpuq is its only reader); a failure is the caller's to log. */
  remove(): Promise<void>;
}

/**
 * Reads `reply.result_file` from `resultDir`. Every failure is a JobFailure that retrying cannot fix
 * (a retry would only solve again and write another file gpuq cannot read), naming what to change.
 */
export async function readResultFile(reply: cuopt.FileResultReply, resultDir: string | undefined, where: string): Promise<ResultFileRead> {
  const name = reply.result_file;
  const wrote = `${where} wrote the result to a file (${name}) instead of replying with it, as a server with CUOPT_RESULT_DIR set does for large results`;
  if (resultDir === undefined) {
    throw new JobFailure('worker_error', `${wrote}: set resultDir on this solve server to where that directory is mounted on the scheduler's machine, or unset CUOPT_RESULT_DIR on the server`, false);
  }
  const format = reply.format ?? 'json';
  if (format !== 'json' && format !== 'zlib') {
    throw new JobFailure('worker_error', `${wrote}, encoded as ${format}; gpuq asks for JSON (Accept: application/json) and reads only json and zlib files`, false);
  }
  // cuOpt refuses names with a leading "/" or ".."; gpuq reads nothing outside resultDir either way.
  if (basename(name) !== name || name === '.' || name === '..') {
    throw new JobFailure('worker_error', `${wrote}, but "${name}" is not a bare file name; gpuq reads only files directly in resultDir`, false);
  }
  const path = join(resultDir, name);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new JobFailure('worker_error', `${wrote}, and ${path} cannot be read (${why}): resultDir must be where the server's CUOPT_RESULT_DIR is mounted on the scheduler's machine`, false);
  }
  let body: unknown;
  try {
    const text = format === 'zlib' ? (await inflateAsync(bytes)).toString('utf8') : bytes.toString('utf8');
    body = JSON.parse(text);
  } catch (err) {
    throw new JobFailure('worker_error', `${wrote}, and ${path} is not ${format === 'zlib' ? 'zlib-compressed JSON' : 'JSON'} (${(err as Error).message})`, false);
  }
  return { body, remove: () => rm(path, { force: true }) };
}
