// The job page (/ui#job=<id>): the job's view, its events as they happen (GET /v1/jobs/:id/events),
// its worker log (GET /v1/jobs/:id/logs, followed while it runs), where each attempt ran, and a
// Cancel button with a confirmation. Streams are read with fetch, so that the key goes as a header.
/* eslint-disable @typescript-eslint/no-unused-vars -- what this file declares is used by the page's other files, joined with it into one script (src/ui/status-page-script.ts) */

interface AttemptRow {
  attempt: number;
  where: string;
  startedAt: number | null;
  finishedAt: number | null;
  outcome: string;
}

interface JobPageState {
  id: string;
  aborter: AbortController;
  view: JobView | null;
  /** Attempts by number: those that ended as the scheduler recorded them, and the one running now. */
  attempts: Map<number, AttemptRow>;
  /** Reads of the attempts asked, and the latest one shown: an older answer that comes late is dropped. */
  attemptReads: { asked: number; shown: number };
  isEnded: boolean;
}

let jobPage: JobPageState | null = null;
/** Told when a stream is refused for the key (401, 403): the main script brings back the key form. */
let onKeyRefused: (error: HttpError) => void = () => undefined;

const isTerminal = (status: JobView['status']) => status === 'succeeded' || status === 'failed' || status === 'cancelled';
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

function openJobPage(id: string) {
  closeJobPage();
  const state: JobPageState = { id, aborter: new AbortController(), view: null, attempts: new Map(), attemptReads: { asked: 0, shown: 0 }, isEnded: false };
  jobPage = state;
  byId('job-title').textContent = 'Job ' + id;
  byId('job-status').textContent = '';
  byId('job-message').hidden = true;
  byId('job-facts').replaceChildren(el('p', { className: 'muted', text: 'Loading…' }));
  byId('job-stages').replaceChildren();
  byId('job-attempts').replaceChildren();
  byId('job-events').replaceChildren();
  byId('job-log').replaceChildren();
  byId('job-log-state').textContent = 'Reading the log…';
  byId('job-cancel').hidden = true;
  void followEvents(state);
  void followLog(state);
}

function closeJobPage() {
  jobPage?.aborter.abort();
  jobPage = null;
  const dialog = byId('cancel-dialog', HTMLDialogElement);
  if (dialog.open) dialog.close();
}

function showJobMessage(text: string, isError: boolean) {
  const message = byId('job-message');
  message.textContent = text;
  message.className = isError ? 'error' : 'notice';
  message.hidden = false;
}

// ---- the view
function fact(field: string, name: string, value: string | null): HTMLElement | null {
  return value === null || value === '' ? null : el('div', { 'data-field': field }, [el('dt', { text: name }), el('dd', { text: value })]);
}

function renderJobView(state: JobPageState, view: JobView) {
  state.view = view;
  byId('job-status').textContent = view.status;
  byId('job-status').className = 'status status-' + view.status;
  const cost = view.cost;
  byId('job-facts').replaceChildren(
    el('dl', { className: 'facts' }, [
      fact('status', 'Status', view.status),
      fact('tenant', 'Tenant', view.tenant),
      fact('kind', 'Kind', view.kind),
      fact('priority', 'Priority', String(view.priority)),
      fact('attempts', 'Attempts', view.attempts.made + ' of ' + view.attempts.max),
      fact('placement', 'Placement', whereOf(view.placement)),
      fact('pending', 'Why it waits', view.pendingReason),
      fact('position', 'Jobs ahead', view.queuePosition === null ? null : String(view.queuePosition)),
      fact('error', 'Error', view.error ? view.error.code + ': ' + view.error.message : null),
      fact('cost', 'Cost', '$' + cost.usd.toFixed(6) + ' · ' + cost.gpuSeconds.toFixed(1) + ' GPU s · ' + cost.cpuSeconds.toFixed(1) + ' CPU s'),
      fact('vram', 'VRAM asked', view.resources.vramMb === null ? 'the kind’s default' : gib(view.resources.vramMb)),
      fact('timeout', 'Timeout', duration(view.timeoutSeconds * 1000)),
      fact('created', 'Submitted', dateTime(view.createdAt)),
      fact('started', 'Started', view.startedAt === null ? null : dateTime(view.startedAt)),
      fact('finished', 'Ended', view.finishedAt === null ? null : dateTime(view.finishedAt)),
      fact('cancel-requested', 'Cancel asked', view.cancelRequestedAt === null ? null : dateTime(view.cancelRequestedAt)),
      fact('batch', 'Batch', view.batchId),
      fact('labels', 'Labels', Object.entries(view.labels).map(([k, v]) => k + ':' + v).join(', ')),
    ]),
  );
  byId('job-stages').replaceChildren(
    ...(cost.stages.length === 0
      ? []
      : [
          table(
            'Cost by stage of the last attempt',
            [
              { key: 'name', title: 'Stage', value: (s) => s.name },
              { key: 'device', title: 'On', value: (s) => (s.gpu ? s.device + ' ' + s.gpu : s.device) },
              { key: 'started', title: 'Started', value: (s) => clock(s.startedAt) },
              { key: 'seconds', title: 'Seconds', isNumber: true, value: (s) => s.seconds.toFixed(2) },
              { key: 'usd', title: 'USD', isNumber: true, value: (s) => s.usd.toFixed(6) },
            ],
            cost.stages,
            '',
          ),
        ]),
  );
  byId('job-cancel').hidden = isTerminal(view.status);
  noteAttempt(state, view);
}

// ---- placement history
/** A job's finished attempts, as the scheduler recorded them (GET /v1/jobs/:id/attempts). */
async function recordedAttempts(id: string, signal: AbortSignal): Promise<import('@gpuq/shared').AttemptRecord[]> {
  const response = await fetch('/v1/jobs/' + encodeURIComponent(id) + '/attempts', { headers: authHeaders(), cache: 'no-store', signal });
  if (!response.ok) throw await httpErrorOf(response);
  return ((await response.json()) as { attempts: import('@gpuq/shared').AttemptRecord[] }).attempts;
}

/**
 * The attempts that ended, as the scheduler recorded each (where it ran, how it ended), and the one
 * running now from the view; read again on each change of the view. The reads can answer out of
 * order (one per change, on separate connections): one asked before the last shown is dropped, so a
 * late answer from while the job ran never paints an ended attempt as running again.
 */
function noteAttempt(state: JobPageState, view: JobView) {
  const read = ++state.attemptReads.asked;
  void recordedAttempts(state.id, state.aborter.signal)
    .then((recorded) => {
      if (jobPage !== state || read < state.attemptReads.shown) return;
      state.attemptReads.shown = read;
      state.attempts.clear();
      for (const a of recorded) {
        const where = whereOf(a.server !== null ? { gpu: a.gpu, vramMb: 0, server: a.server, ...(a.box !== null ? { box: a.box } : {}) } : a.gpu !== null ? { gpu: a.gpu, vramMb: a.vramMb ?? 0, ...(a.box !== null ? { box: a.box } : {}) } : null);
        state.attempts.set(a.attempt, { attempt: a.attempt, where, startedAt: a.startedAt, finishedAt: a.finishedAt, outcome: a.error === null ? 'succeeded' : a.error.code === 'cancelled' ? 'cancelled' : a.error.code + ': ' + a.error.message });
      }
      if (view.status === 'running' && !state.attempts.has(view.attempts.made)) {
        state.attempts.set(view.attempts.made, { attempt: view.attempts.made, where: whereOf(view.placement), startedAt: view.startedAt, finishedAt: null, outcome: 'running' });
      }
      renderAttempts(state);
    })
    .catch(() => renderAttempts(state));
}

function renderAttempts(state: JobPageState) {
  const rows = [...state.attempts.values()].sort((a, b) => a.attempt - b.attempt);
  byId('job-attempts').replaceChildren(
    table(
      'Where each attempt ran and how it ended',
      [
        { key: 'attempt', title: 'Attempt', isNumber: true, value: (r) => r.attempt },
        { key: 'where', title: 'Where', value: (r) => r.where },
        { key: 'started', title: 'Started', value: (r) => (r.startedAt === null ? '—' : dateTime(r.startedAt)) },
        { key: 'ended', title: 'Ended', value: (r) => (r.finishedAt === null ? '—' : dateTime(r.finishedAt)) },
        { key: 'outcome', title: 'Outcome', value: (r) => r.outcome },
      ],
      rows,
      state.view && state.view.status === 'queued' ? 'Not placed yet.' : 'It was never placed.',
      (r) => ({ 'data-attempt': r.attempt }),
    ),
  );
}

// ---- events
function appendEvent(type: 'job' | 'end', text: string, status: string) {
  const list = byId('job-events');
  list.append(el('li', { 'data-event': type, 'data-status': status }, [el('time', { text: clock(Date.now()) }), ' ', text]));
  list.scrollTop = list.scrollHeight;
}

/** The view in words; with the one before it, which of its fields changed (a running job's cost always does). */
function describeView(view: JobView, before: JobView | null): string {
  const parts = [view.status, 'attempt ' + view.attempts.made + ' of ' + view.attempts.max];
  if (view.placement) parts.push(whereOf(view.placement));
  if (view.pendingReason) parts.push(view.pendingReason);
  if (view.error) parts.push(view.error.code + ': ' + view.error.message);
  if (view.cancelRequestedAt !== null && !isTerminal(view.status)) parts.push('cancel asked');
  const changed = before ? (Object.keys(view) as (keyof JobView)[]).filter((k) => k !== 'cost' && JSON.stringify(view[k]) !== JSON.stringify(before[k])) : [];
  return parts.join(' · ') + (changed.length > 0 ? ' (changed: ' + changed.join(', ') + ')' : '');
}

/** One server-sent event from its lines. */
function parseEvent(block: string): { event: string; data: string; id: string | null } {
  let event = 'message';
  let id: string | null = null;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return { event, data: data.join('\n'), id };
}

async function followEvents(state: JobPageState) {
  const { signal } = state.aborter;
  let lastId = '';
  let lastEventView: JobView | null = null;
  let buffer = '';
  const onText = (text: string) => {
    buffer += text;
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      const { event, data, id } = parseEvent(block);
      if (jobPage !== state || data === '') continue;
      if (id !== null) lastId = id;
      if (event === 'job') {
        const view = JSON.parse(data) as JobView;
        appendEvent('job', describeView(view, lastEventView), view.status);
        lastEventView = view;
        renderJobView(state, view);
      } else if (event === 'end') {
        const end = JSON.parse(data) as import('@gpuq/shared').JobEndData;
        state.isEnded = true;
        appendEvent('end', 'ended: ' + end.status + ' (the stream closes)', end.status);
      }
    }
  };
  while (!signal.aborted && !state.isEnded) {
    try {
      buffer = '';
      await readTextStream('/v1/jobs/' + encodeURIComponent(state.id) + '/events', signal, onText, lastId ? { 'last-event-id': lastId } : {});
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return onKeyRefused(error);
      if (error instanceof HttpError && error.status === 404) {
        byId('job-facts').replaceChildren(el('p', { className: 'error', text: 'No job ' + state.id + ': ' + error.message }));
        return;
      }
      showJobMessage('The event stream broke (' + (error instanceof Error ? error.message : String(error)) + '); reconnecting in 3 s.', true);
    }
    if (!state.isEnded) await sleep(3_000, signal);
  }
}

// ---- the worker's log
async function followLog(state: JobPageState) {
  const { signal } = state.aborter;
  const log = byId('job-log');
  const encoder = new TextEncoder();
  let offset = 0;
  const onText = (text: string) => {
    if (jobPage !== state) return;
    offset += encoder.encode(text).length;
    const isAtBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(text);
    if (isAtBottom) log.scrollTop = log.scrollHeight;
  };
  while (!signal.aborted) {
    byId('job-log-state').textContent = state.isEnded ? 'Reading the log…' : 'Following the log while the job runs…';
    try {
      // Ends when the job does (or at once for a job that has ended): then its whole log is here.
      await readTextStream('/v1/jobs/' + encodeURIComponent(state.id) + '/logs?follow=true&offset=' + offset, signal, onText);
      const view = await jobRequest('GET', state.id);
      if (isTerminal(view.status) || state.isEnded) {
        byId('job-log-state').textContent = offset === 0 ? 'The job wrote no log.' : 'The whole log (the job has ended).';
        return;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return onKeyRefused(error);
      if (error instanceof HttpError && error.status === 404) {
        byId('job-log-state').textContent = 'No log: ' + error.message;
        return;
      }
      byId('job-log-state').textContent = 'Lost the log (' + (error instanceof Error ? error.message : String(error)) + '); reading on in 3 s.';
    }
    await sleep(3_000, signal);
  }
}

// ---- cancel
function watchJobPage(keyRefused: (error: HttpError) => void) {
  onKeyRefused = keyRefused;
  const dialog = byId('cancel-dialog', HTMLDialogElement);
  byId('job-cancel').addEventListener('click', () => {
    if (!jobPage) return;
    byId('cancel-dialog-job').textContent = jobPage.id;
    dialog.showModal();
  });
  byId('cancel-keep').addEventListener('click', () => dialog.close());
  byId('cancel-confirm').addEventListener('click', () => {
    dialog.close();
    const state = jobPage;
    if (!state) return;
    void jobRequest('DELETE', state.id)
      .then((view) => {
        if (jobPage !== state) return;
        // The event stream may have brought the job's end before this answer: keep the newer view.
        if (!state.view || !isTerminal(state.view.status)) renderJobView(state, view);
        showJobMessage('Cancel asked at ' + clock(view.cancelRequestedAt ?? Date.now()) + ': a queued job never runs, a running one stops within a second.', false);
      })
      .catch((error: unknown) => {
        if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return onKeyRefused(error);
        showJobMessage('Could not cancel: ' + (error instanceof Error ? error.message : String(error)), true);
      });
  });
}
