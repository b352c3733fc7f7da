// The failures view: recent failed and cancelled jobs (GET /v1/system/failures, a bounded read of
// each kind's failed set), narrowed in the page by kind, error code, tenant and when they ended.
// Filtering here, not in the API: a change redraws at once, and the choices list what is there.
/* eslint-disable @typescript-eslint/no-unused-vars -- what this file declares is used by the page's other files, joined with it into one script (src/ui/status-page-script.ts) */

let failures: readonly JobView[] = [];
let failuresReadPerKind = 0;

interface FailureFilter {
  kind: string;
  code: string;
  tenant: string;
  /** Ended within this many ms of now; 0 for any time. */
  withinMs: number;
}

function failureFilter(): FailureFilter {
  return {
    kind: byId('filter-kind', HTMLSelectElement).value,
    code: byId('filter-code', HTMLSelectElement).value,
    tenant: byId('filter-tenant', HTMLSelectElement).value,
    withinMs: Number(byId('filter-window', HTMLSelectElement).value) || 0,
  };
}

const matches = (job: JobView, filter: FailureFilter, now: number) =>
  (filter.kind === '' || job.kind === filter.kind) &&
  (filter.code === '' || (job.error?.code ?? '') === filter.code) &&
  (filter.tenant === '' || job.tenant === filter.tenant) &&
  (filter.withinMs === 0 || (job.finishedAt !== null && job.finishedAt >= now - filter.withinMs));

/** A select's choices: `any`, then each value, keeping the one chosen even when no job has it now. */
function setChoices(select: HTMLSelectElement, values: Iterable<string>) {
  const chosen = select.value;
  const all = [...new Set([...values, ...(chosen ? [chosen] : [])])].sort();
  select.replaceChildren(el('option', { value: '', text: 'any' }), ...all.map((v) => el('option', { value: v, text: v })));
  select.value = chosen;
}

function setFailures(list: readonly JobView[], readPerKind: number, kinds: readonly string[]) {
  failures = list;
  failuresReadPerKind = readPerKind;
  setChoices(byId('filter-kind', HTMLSelectElement), [...kinds, ...list.map((j) => j.kind)]);
  setChoices(byId('filter-code', HTMLSelectElement), list.flatMap((j) => (j.error ? [j.error.code] : [])));
  setChoices(byId('filter-tenant', HTMLSelectElement), list.map((j) => j.tenant));
  renderFailures();
}

function renderFailures() {
  const now = Date.now();
  const filter = failureFilter();
  const shown = failures.filter((j) => matches(j, filter, now));
  const isFiltered = filter.kind !== '' || filter.code !== '' || filter.tenant !== '' || filter.withinMs !== 0;
  byId('failure-count').textContent =
    (isFiltered ? shown.length + ' of ' : '') + plural(failures.length, 'failed or cancelled job') + ' (the last ' + failuresReadPerKind + ' of each kind at most), newest first';
  byId('failure-list').replaceChildren(
    table(
      (isFiltered ? 'Failed or cancelled jobs that match the filter' : 'Failed or cancelled jobs') + ', newest first',
      [
        { key: 'at', title: 'Ended at', value: (j) => (j.finishedAt ? clock(j.finishedAt) : '?') },
        { key: 'status', title: 'Status', value: (j) => j.status },
        ...jobColumns,
        { key: 'code', title: 'Error', className: 'id', value: (j) => (j.error ? j.error.code : '') },
        { key: 'message', title: 'Message', value: (j) => (j.error ? j.error.message : '') },
      ],
      shown,
      isFiltered ? 'No failed or cancelled job matches the filter.' : 'No failed or cancelled jobs.',
      (j) => ({ 'data-job': j.id }),
    ),
  );
}

function watchFailureFilters() {
  const form = byId('failure-filters', HTMLFormElement);
  form.addEventListener('change', renderFailures);
  form.addEventListener('submit', (event) => event.preventDefault());
  // The form's reset sets the selects after the event: redraw once it has.
  form.addEventListener('reset', () => setTimeout(renderFailures, 0));
}
