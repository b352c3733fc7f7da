// gpuq status <id> — a job's state, placement, progress, outcome and cost.
import type { JobView } from '@gpuq/shared';
import { parseCommandArgs, positionalsOf } from '../args.js';
import { connect, type Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatAge, formatDuration, formatNumber, formatTime } from '../format.js';
import { placementText, progressText } from '../job-text.js';
import { formatSummary, summarizeResult, type SummaryLine } from '../result-summary.js';

export const statusCommand: Command = {
  name: 'status',
  summary: "show a job's status, placement, progress and outcome",
  help: `Usage: gpuq status <id> [--json]

Options:
  --json                 print the job view as JSON`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs('status', args, { json: { type: 'boolean' } });
    const [id] = positionalsOf('status', positionals, ['id'] as const);
    const view = await connect(values, io).get(id, { signal: io.signal });
    io.stdout.write(values.json ? `${JSON.stringify(view, null, 2)}\n` : formatSummary(statusLines(view)));
    return ExitCode.ok;
  },
};

export function statusLines(view: JobView, now: number = Date.now()): SummaryLine[] {
  const lines: SummaryLine[] = [
    ['id', view.id],
    ['kind', view.kind],
    ['status', view.status],
    ['priority', String(view.priority)],
    ['submitted', `${formatTime(view.createdAt)} (${formatAge(view.createdAt, now)})`],
  ];
  const add = (label: string, value: string | undefined | null) => {
    if (value !== undefined && value !== null && value !== '') lines.push([label, value]);
  };
  add('pending', view.pendingReason);
  if (view.startedAt !== null) add('started', formatTime(view.startedAt));
  if (view.finishedAt !== null) add('finished', formatTime(view.finishedAt));
  if (view.startedAt !== null) add(view.finishedAt === null ? 'running for' : 'ran for', formatDuration((view.finishedAt ?? now) - view.startedAt));
  add('attempts', `${view.attempts.made} of ${view.attempts.max}`);
  add('placement', placementText(view.placement));
  add('progress', progressText(view.progress));
  if (view.cancelRequestedAt !== null && view.status !== 'cancelled') add('cancel', `requested ${formatAge(view.cancelRequestedAt, now)}`);
  if (view.error) add('error', `${view.error.code}: ${view.error.message}`);
  lines.push(...summarizeResult(view));
  add('cost', `$${formatNumber(view.cost.usd)} (${formatNumber(view.cost.gpuSeconds)} GPU-s, ${formatNumber(view.cost.cpuSeconds)} CPU-s)`);
  const labels = Object.entries(view.labels);
  if (labels.length > 0) add('labels', labels.map(([k, v]) => `${k}=${v}`).join(', '));
  return lines;
}
