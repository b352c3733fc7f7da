// Runs one command line: finds the command, runs it, and turns whatever went wrong into a message
// on stderr and an exit code (exit-codes.ts). Nothing here touches `process`: main.ts does.
import { GpuqApiError, GpuqConnectionError, GpuqWaitTimeoutError } from '../errors.js';
import { splitCommand } from './args.js';
import { COMMANDS } from './commands/index.js';
import { ExitCode, exitCodeForError } from './exit-codes.js';
import { mainHelp } from './help.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

export const VERSION = '0.1.0';

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { command: name, args } = splitCommand(argv);
  if (name === undefined) {
    if (args.includes('--version')) {
      io.stdout.write(`gpuq ${VERSION}\n`);
      return ExitCode.ok;
    }
    const isHelp = args.includes('--help') || args.includes('-h');
    (isHelp ? io.stdout : io.stderr).write(mainHelp(COMMANDS));
    return isHelp ? ExitCode.ok : ExitCode.usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command '${name}'; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`${command.help}\n`);
      return ExitCode.ok;
    }
    return await command.run(args, io);
  } catch (err) {
    io.stderr.write(errorMessage(err));
    return exitCodeForError(err);
  }
}

/** What went wrong, for a person: what to fix, or what to try. */
export function errorMessage(err: unknown): string {
  if (err instanceof UsageError) return `gpuq: ${err.message}\nRun 'gpuq ${err.command ?? ''}${err.command ? ' ' : ''}--help' for usage.\n`;
  if (err instanceof GpuqApiError) {
    const fields = err.details.map((d) => `  ${d.path}: ${d.message}\n`).join('');
    return `gpuq: ${err.message} (${err.status} ${err.code})\n${fields}`;
  }
  if (err instanceof GpuqConnectionError) return `gpuq: ${err.message}\nIs the API running there? Point --url or GPUQ_URL at it.\n`;
  if (err instanceof GpuqWaitTimeoutError) return `gpuq: ${err.message}; it goes on: gpuq status ${err.jobId}\n`;
  if (err instanceof Error && err.name === 'AbortError') return 'gpuq: interrupted; a job it was waiting for goes on\n';
  if (err instanceof Error) return `gpuq: ${err.message}\n${err.stack ?? ''}\n`;
  return `gpuq: ${String(err)}\n`;
}
