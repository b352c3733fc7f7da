// `gpuq --help`: the commands, the global options, and the exit codes.
import { DEFAULT_URL } from './args.js';
import type { Command } from './command.js';
import { EXIT_CODE_MEANINGS } from './exit-codes.js';

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: gpuq <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'gpuq <command> --help' for a command's options.

Global options (before or after the command):
  --url URL              the gpuq API (env GPUQ_URL; default ${DEFAULT_URL})
  --key KEY              the API key (env GPUQ_API_KEY)
  --help, -h             this help
  --version              the version of gpuq

Exit codes:
${EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')}
`;
}
