// An attempt of a container kind, whatever runs the container (docker, kubernetes): the kind's
// adapter turns the input into files and arguments and reads the outcome back; the files are
// written to the attempt's directory, which the container sees at /job (out/ for its output),
// opened up for a container that runs as another user; the outcome's files go to the artifact
// store afterwards.
import { chmod, cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { JobFailure, type ExecutionRequest } from './executor.js';

export interface ContainerTask {
  /** Files to write, by path relative to the attempt's directory. */
  files: Record<string, string>;
  /** The command's arguments (the image's entrypoint runs them). */
  args: string[];
  /** Whether the container may reach the network (the MSA server). */
  needsNetwork: boolean;
}

export interface ContainerOutcome {
  result: unknown;
  /** Files to keep as the job's artifacts, by path relative to the attempt's directory. */
  artifacts: string[];
}

export interface ContainerAdapter {
  prepare(input: unknown): ContainerTask;
  /** Success is judged from the files (and the logs), never the exit code alone. Throws JobFailure. */
  collect(dir: string, logs: string, exitCode: number, job: ExecutionRequest): Promise<ContainerOutcome>;
  /** How to get the kind's image when config names one this machine does not have: told in the kind's 422. */
  missingImageHelp?(image: string): string;
}

/** The kind's files and arguments for this input; an input it cannot turn into them is invalid. */
export function prepareTask(adapter: ContainerAdapter, input: unknown): ContainerTask {
  try {
    return adapter.prepare(input);
  } catch (err) {
    throw new JobFailure('invalid_input', `the input cannot be prepared: ${(err as Error).message}`, false);
  }
}

/** Writes the task's files to `dir` (replacing what a previous run left) with an empty out/, all writable by any user. */
export async function writeAttemptDir(dir: string, task: ContainerTask): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const [path, content] of Object.entries(task.files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await mkdir(join(dir, 'out'), { recursive: true });
  // The container may run as another user: it must read its input and write its output.
  await chmod(dir, 0o777);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chmod(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o777 : 0o666);
  }
}

/** Copies the outcome's files to the artifact store: <artifactsDir>/<jobId>/<file name>. */
export async function keepArtifacts(artifactsDir: string, jobId: string, dir: string, paths: readonly string[]): Promise<Array<{ name: string; bytes: number }>> {
  const target = join(resolve(artifactsDir), jobId);
  await mkdir(target, { recursive: true });
  const kept: Array<{ name: string; bytes: number }> = [];
  for (const path of paths) {
    const name = path.split('/').pop()!;
    await cp(join(dir, path), join(target, name));
    kept.push({ name, bytes: (await stat(join(target, name))).size });
  }
  return kept;
}
