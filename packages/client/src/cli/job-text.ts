// A job view in words: one line for its state now (progress on stderr, `gpuq logs`), and the
// dated lines of what has happened to it so far.
import type { JobView } from '@gpuq/shared';
import { formatDuration, formatGib, formatNumber, truncate } from './format.js';

/** Where it runs: `gpu0 (2.0 GiB)`, `solver-cpu`, `cuopt on gpu1`. */
export function placementText(placement: JobView['placement']): string | undefined {
  if (!placement) return undefined;
  if (placement.server) return placement.gpu ? `${placement.server} on ${placement.gpu}` : placement.server;
  return `${placement.gpu ?? '?'} (${formatGib(placement.vramMb)} GiB)`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A job's progress: a MILP's best objective, bound and gap, or whatever else the worker reported. */
export function progressText(progress: unknown): string | undefined {
  if (progress === null || progress === undefined) return undefined;
  if (isRecord(progress) && 'incumbents' in progress) {
    const parts: string[] = [];
    if (typeof progress.bestObjective === 'number') parts.push(`best objective ${formatNumber(progress.bestObjective)}`);
    if (typeof progress.bound === 'number') parts.push(`bound ${formatNumber(progress.bound)}`);
    if (typeof progress.gap === 'number') parts.push(`gap ${formatNumber(progress.gap * 100)}%`);
    parts.push(`${String(progress.incumbents)} incumbent${progress.incumbents === 1 ? '' : 's'}`);
    return parts.join(', ');
  }
  if (isRecord(progress)) {
    return truncate(Object.entries(progress).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', '), 120);
  }
  return truncate(typeof progress === 'string' ? progress : JSON.stringify(progress), 120);
}

/** The job's state now, in one line: `running on gpu0 (2.0 GiB): best objective 112, gap 3.1%`. */
export function describeView(view: JobView): string {
  const attempt = view.attempts.made > 1 ? `, attempt ${view.attempts.made} of ${view.attempts.max}` : '';
  switch (view.status) {
    case 'queued': {
      const reason = view.pendingReason ?? 'waiting';
      return `queued: ${reason}${attempt}`;
    }
    case 'running': {
      const where = placementText(view.placement);
      const progress = progressText(view.progress);
      const cancelling = view.cancelRequestedAt !== null ? ' (cancel requested)' : '';
      return `running${where ? ` on ${where}` : ''}${attempt}${cancelling}${progress ? `: ${progress}` : ''}`;
    }
    case 'succeeded':
      return `succeeded${ranFor(view)}`;
    case 'failed':
      return `failed${view.error ? ` (${view.error.code}): ${view.error.message}` : ''}`;
    case 'cancelled':
      return 'cancelled';
  }
}

function ranFor(view: JobView): string {
  return view.startedAt !== null && view.finishedAt !== null ? ` in ${formatDuration(view.finishedAt - view.startedAt)}` : '';
}

export interface TimelineEntry {
  at: number;
  text: string;
}

/** What has happened to the job, dated, oldest first (a queued or running job's state now is not in it). */
export function timelineOf(view: JobView): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const vram = view.resources.vramMb === null ? '' : `, ${view.resources.vramMb} MiB`;
  entries.push({ at: view.createdAt, text: `submitted: ${view.kind}, priority ${view.priority}${vram}` });
  if (view.startedAt !== null) {
    const where = placementText(view.placement);
    entries.push({ at: view.startedAt, text: `started${where ? ` on ${where}` : ''} (attempt ${Math.max(1, view.attempts.made)} of ${view.attempts.max})` });
  }
  for (const stage of view.cost.stages) {
    entries.push({ at: stage.startedAt, text: `stage ${stage.name} on ${stage.gpu ?? stage.device}: ${formatDuration(stage.seconds * 1_000)}` });
  }
  if (view.cancelRequestedAt !== null) entries.push({ at: view.cancelRequestedAt, text: 'cancel requested' });
  if (view.finishedAt !== null) entries.push({ at: view.finishedAt, text: describeView(view) });
  for (const delivery of view.webhook?.deliveries ?? []) {
    const outcome = delivery.status === null ? `could not be delivered${delivery.error ? `: ${delivery.error}` : ''}` : `answered ${delivery.status}`;
    entries.push({ at: delivery.at, text: `webhook (attempt ${delivery.attempt}) ${outcome}` });
  }
  return entries.sort((a, b) => a.at - b.at);
}
