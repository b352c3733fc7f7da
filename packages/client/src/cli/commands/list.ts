// gpuq list — the caller's jobs, newest first, as a table.
import { JobStatus, Kind, type JobView } from '@gpuq/shared';
import type { ListFilter } from '../../client.js';
import { numberOption, parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatAge, formatDuration, formatTable, truncate } from '../format.js';
import { placementText } from '../job-text.js';
import { UsageError } from '../usage-error.js';

const OPTIONS = {
  status: { type: 'string' },
  kind: { type: 'string' },
  label: { type: 'string', multiple: true },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const listCommand: Command = {
  name: 'list',
  summary: 'list your jobs, newest first',
  help: `Usage: gpuq list [options]

Options:
  --status S             only jobs with this status: ${JobStatus.options.join(', ')}
  --kind K               only jobs of this kind: ${Kind.options.join(', ')}
  --label key:value      only jobs with this label (repeat: all of them)
  --limit N              jobs per page, 1 to 100 (default 20)
  --cursor C             the page after the one that printed C
  --all                  every page
  --json                 print the jobs as JSON lines, one view per line`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('list', args, OPTIONS);
    positionalsOf('list', positionals, [] as const);
    const filter: ListFilter = {
      status: oneOf('status', values.status, JobStatus.options),
      kind: oneOf('kind', values.kind, Kind.options),
      labels: values.label,
      limit: numberOption('list', 'limit', values.limit, { isInteger: true, min: 1 }),
    };
    const client = connect(values, io);
    let jobs: JobView[] = [];
    let nextCursor: string | null = null;
    if (values.all) {
      for await (const job of client.listAll(filter, { signal: io.signal })) jobs.push(job);
    } else {
      ({ jobs, nextCursor } = await client.list({ ...filter, cursor: values.cursor }, { signal: io.signal }));
    }
    if (values.json) io.stdout.write(jobs.map((job) => `${JSON.stringify(job)}\n`).join(''));
    else io.stdout.write(jobs.length === 0 ? 'no jobs\n' : jobTable(jobs));
    if (nextCursor) io.stderr.write(`more: gpuq list --cursor ${nextCursor} (or --all)\n`);
    return ExitCode.ok;
  },
};

function oneOf<T extends string>(name: string, value: string | undefined, options: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(options as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${options.join(', ')}, not '${value}'`, 'list');
  return value as T;
}

export function jobTable(jobs: readonly JobView[], now: number = Date.now()): string {
  const rows = jobs.map((job) => {
    const ran = job.startedAt === null ? '' : formatDuration((job.finishedAt ?? now) - job.startedAt);
    const detail = job.status === 'queued' ? job.pendingReason : job.error ? `${job.error.code}: ${job.error.message}` : '';
    return [job.id, job.kind, job.status, formatAge(job.createdAt, now), ran, placementText(job.placement) ?? '', truncate(detail ?? '', 60)];
  });
  return formatTable(
    [{ header: 'ID' }, { header: 'KIND' }, { header: 'STATUS' }, { header: 'SUBMITTED' }, { header: 'RAN', align: 'right' }, { header: 'PLACEMENT' }, { header: 'DETAIL' }],
    rows,
  );
}
