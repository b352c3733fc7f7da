// What `gpuq submit` and `gpuq solve` share: the job's envelope from options (priority, VRAM,
// timeout, labels), the submit itself, and printing the id or waiting for the outcome.
import { randomUUID } from 'node:crypto';
import type { GpuqClient } from '../client.js';
import type { JobRequestInput } from '../schemas.js';
import { labelsOption, numberOption, type OptionValues } from './args.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { waitAndReport } from './outcome.js';

export const SUBMIT_OPTIONS = {
  wait: { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  priority: { type: 'string' },
  'vram-mb': { type: 'string' },
  timeout: { type: 'string' },
  'max-attempts': { type: 'string' },
  label: { type: 'string', multiple: true },
  'idempotency-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const SUBMIT_HELP = `  --wait                 wait until the job ends, showing progress on stderr
  --wait-timeout S       with --wait: give up after S seconds (exit 4; the job goes on)
  --priority N           0 to 100, higher first (default 50)
  --vram-mb N            VRAM to reserve, in MiB (default: the kind's, or its estimate)
  --timeout S            the job's own time limit per attempt, in seconds
  --max-attempts N       attempts before it fails
  --label key=value      a label (repeat for more)
  --idempotency-key K    submitting again with K gives the same job (default: a new key)
  --json                 print the job view as JSON instead of its id`;

type SubmitValues = OptionValues<typeof SUBMIT_OPTIONS>;

/** The submit options, read and checked before any file is read or request sent. */
export interface SubmitFlags {
  /** Request fields the options set: they win over the file's own. */
  envelope: { priority?: number; vramMb?: number; timeoutSeconds?: number; maxAttempts?: number; labels?: Record<string, string> };
  idempotencyKey: string;
  isWait: boolean;
  waitTimeoutS: number | undefined;
  isJson: boolean;
}

export function submitFlagsOf(command: string, values: SubmitValues): SubmitFlags {
  const envelope: SubmitFlags['envelope'] = {};
  const priority = numberOption(command, 'priority', values.priority, { isInteger: true });
  const vramMb = numberOption(command, 'vram-mb', values['vram-mb'], { isInteger: true, min: 1 });
  const timeoutSeconds = numberOption(command, 'timeout', values.timeout, { isInteger: true, min: 1 });
  const maxAttempts = numberOption(command, 'max-attempts', values['max-attempts'], { isInteger: true, min: 1 });
  const labels = labelsOption(command, values.label);
  if (priority !== undefined) envelope.priority = priority;
  if (vramMb !== undefined) envelope.vramMb = vramMb;
  if (timeoutSeconds !== undefined) envelope.timeoutSeconds = timeoutSeconds;
  if (maxAttempts !== undefined) envelope.maxAttempts = maxAttempts;
  if (labels !== undefined) envelope.labels = labels;
  return {
    envelope,
    idempotencyKey: values['idempotency-key'] ?? randomUUID(),
    isWait: values.wait ?? false,
    waitTimeoutS: numberOption(command, 'wait-timeout', values['wait-timeout'], { min: 0 }),
    isJson: values.json ?? false,
  };
}

/** The request with the options' fields set over the file's. */
export function withEnvelope(request: Record<string, unknown>, envelope: SubmitFlags['envelope']): Record<string, unknown> {
  const { vramMb, labels, ...rest } = envelope;
  return {
    ...request,
    ...rest,
    ...(vramMb === undefined ? {} : { resources: { ...(request.resources as object | undefined), vramMb } }),
    ...(labels === undefined ? {} : { labels: { ...(request.labels as object | undefined), ...labels } }),
  };
}

export async function submitAndReport(client: GpuqClient, request: Record<string, unknown>, flags: SubmitFlags, io: CliIo): Promise<ExitCode> {
  // The API checks the request against its schemas and says which field is wrong; so no check here.
  const view = await client.submit(withEnvelope(request, flags.envelope) as JobRequestInput, { idempotencyKey: flags.idempotencyKey, signal: io.signal });
  if (!flags.isWait) {
    io.stdout.write(flags.isJson ? `${JSON.stringify(view, null, 2)}\n` : `${view.id}\n`);
    return ExitCode.ok;
  }
  io.stderr.write(`submitted ${view.id}\n`);
  return waitAndReport(client, view.id, { waitTimeoutS: flags.waitTimeoutS, isJson: flags.isJson }, io);
}
