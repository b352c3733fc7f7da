// Waiting for a job on the command line, and saying how it ended: progress on stderr, the result
// (or the view as JSON) on stdout, the reason on stderr when it failed, and the exit code.
import type { JobView } from '@gpuq/shared';
import type { GpuqClient } from '../client.js';
import { exitCodeForStatus, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { describeView } from './job-text.js';
import { ProgressReporter } from './progress.js';
import { formatSummary, summarizeResult } from './result-summary.js';

export interface WaitFlags {
  /** Seconds; none to wait for as long as it takes. */
  waitTimeoutS?: number | undefined;
  isJson?: boolean | undefined;
}

export async function waitAndReport(client: GpuqClient, id: string, flags: WaitFlags, io: CliIo): Promise<ExitCode> {
  const progress = new ProgressReporter(io.stderr);
  let final: JobView;
  try {
    final = await client.wait(id, {
      onProgress: progress.update,
      signal: io.signal,
      timeoutMs: flags.waitTimeoutS === undefined ? undefined : flags.waitTimeoutS * 1_000,
    });
  } finally {
    progress.finish();
  }
  return reportOutcome(final, flags, io);
}

export function reportOutcome(view: JobView, flags: WaitFlags, io: CliIo): ExitCode {
  if (flags.isJson) io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  if (view.status === 'succeeded' && !flags.isJson) {
    io.stdout.write(`${view.id} ${describeView(view)}\n`);
    io.stdout.write(formatSummary(summarizeResult(view)));
  }
  if (view.status === 'failed' || view.status === 'cancelled') io.stderr.write(`gpuq: job ${view.id} ${describeView(view)}\n`);
  return exitCodeForStatus(view.status);
}
