// gpuq gpus — every box's GPUs (VRAM, jobs, health) and solve servers, as tables.
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatGib, formatTable } from '../format.js';
import type { GpusView } from '../../schemas.js';

export const gpusCommand: Command = {
  name: 'gpus',
  summary: 'show the GPUs (VRAM in GiB, jobs, health) and solve servers',
  help: `Usage: gpuq gpus [--json]

VRAM is in GiB: total; reserved by gpuq's jobs; used as the driver reports it (our jobs and
other processes); free for new jobs.

Options:
  --json                 print the inventory as JSON`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('gpus', args, { json: { type: 'boolean' } });
    positionalsOf('gpus', positionals, [] as const);
    const view = await connect(values, io).gpus({ signal: io.signal });
    io.stdout.write(values.json ? `${JSON.stringify(view, null, 2)}\n` : gpuTables(view));
    return ExitCode.ok;
  },
};

export function gpuTables(view: GpusView): string {
  if (view.boxes.length === 0) return 'no GPUs: no scheduler is running (or none has published its inventory yet)\n';
  const many = view.boxes.length > 1;
  const gpuRows = view.boxes.flatMap((box) =>
    box.gpus.map((gpu) => [
      ...(many ? [box.boxId] : []),
      gpu.id,
      gpu.name ?? (gpu.isSimulated ? 'simulated' : ''),
      formatGib(gpu.totalMb),
      formatGib(gpu.reservedMb),
      formatGib(gpu.usedByUsMb + gpu.notOursMb),
      formatGib(gpu.freeMb),
      String(gpu.jobs),
      gpu.drainedReason ? `drained: ${gpu.drainedReason}` : 'ok',
    ]),
  );
  const right = { align: 'right' } as const;
  let text = formatTable(
    [...(many ? [{ header: 'BOX' }] : []), { header: 'GPU' }, { header: 'NAME' }, { header: 'TOTAL GiB', ...right }, { header: 'RESERVED', ...right }, { header: 'USED', ...right }, { header: 'FREE', ...right }, { header: 'JOBS', ...right }, { header: 'HEALTH' }],
    gpuRows,
  );
  const servers = view.boxes.flatMap((box) => box.solveServers.map((server) => ({ box: box.boxId, server })));
  if (servers.length > 0) {
    text += `\nsolve servers\n${formatTable(
      [...(many ? [{ header: 'BOX' }] : []), { header: 'SERVER' }, { header: 'PROBLEMS' }, { header: 'GPUS' }, { header: 'RUNNING', ...right }, { header: 'STATE' }],
      servers.map(({ box, server }) => [
        ...(many ? [box] : []),
        server.name,
        server.problems.join(','),
        server.gpus.length > 0 ? server.gpus.join(',') : 'cpu',
        `${server.running}/${server.slots}`,
        server.unavailableReason ? `unavailable: ${server.unavailableReason}` : 'ok',
      ]),
    )}`;
  }
  const drained = view.boxes.filter((box) => box.drainedReason !== null);
  if (drained.length > 0) text += `\ndrained boxes (they take no new jobs)\n${drained.map((box) => `  ${box.boxId}: ${box.drainedReason}`).join('\n')}\n`;
  return text;
}
