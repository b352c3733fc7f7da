// What every command is: a name, its help, and a run that returns an exit code.
import { GpuqClient } from '../client.js';
import { connectionOf } from './args.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export interface Command {
  name: string;
  /** One line, for `gpuq --help`. */
  summary: string;
  /** The command's own help: usage and options. */
  help: string;
  run(args: string[], io: CliIo): Promise<ExitCode>;
}

/** A client for the API the options or environment name. */
export function connect(values: { url?: string | undefined; key?: string | undefined }, io: CliIo): GpuqClient {
  const { url, apiKey } = connectionOf(values, io.env);
  return new GpuqClient({ url, apiKey });
}
