// The status page's shared helpers: formatting, DOM built from text only (never parsed HTML), and
// requests with the admin key. A classic script: readStatusPageScript joins this file and the
// page's others, in order, into one served script inside one function, so nothing here is global.
/* eslint-disable @typescript-eslint/no-unused-vars -- what this file declares is used by the page's other files, joined with it into one script (src/ui/status-page-script.ts) */

// import() types name the API's schemas without an import statement, which would make this a module.
type GpuBox = import('@gpuq/shared').GpuBox;
type GpuState = import('@gpuq/shared').GpuState;
type JobView = import('@gpuq/shared').JobView;
type SystemStatus = import('@gpuq/shared').SystemStatus;

/** What each GET the page makes answers with. */
interface Responses {
  '/v1/gpus': import('@gpuq/shared').GpusView;
  '/v1/system/status': SystemStatus;
  '/v1/system/queue': import('@gpuq/shared').QueueOverview;
  '/v1/system/failures': import('@gpuq/shared').FailureList;
}

type Attributes = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined;

interface Column<T> {
  key: string;
  title: string;
  value: (item: T) => string | number;
  className?: string;
  isNumber?: boolean;
  /** Where the cell's text links to. */
  href?: (item: T) => string;
}

const KEY_STORAGE = 'gpuq-admin-key';
const SVG_NS = 'http://www.w3.org/2000/svg';

/** An answer other than 2xx, with its status (401 and 403 bring back the key form). */
class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The element with this id, of this type: the page's HTML is fixed, so anything else is a bug. */
function byId<T extends HTMLElement>(id: string, type: new () => T): T;
function byId(id: string): HTMLElement;
function byId(id: string, type: new () => HTMLElement = HTMLElement): HTMLElement {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error('the page has no ' + type.name + ' #' + id);
  return node;
}

// ---- formatting
const pad = (n: number) => String(n).padStart(2, '0');
const clock = (ms: number) => {
  const d = new Date(ms);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
};
const dateTime = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 10) + ' ' + clock(ms));
const gib = (mb: number) => (Math.max(0, mb) / 1024).toFixed(1) + ' GiB';
const duration = (ms: number) => {
  let s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return h + ' h ' + pad(m) + ' min';
  if (m > 0) return m + ' min ' + pad(s) + ' s';
  return s + ' s';
};
const plural = (n: number, word: string) => n + ' ' + word + (n === 1 ? '' : 's');
/** Where a job ran or runs, in words: its box, GPU and server. */
const whereOf = (placement: JobView['placement']) => {
  if (!placement) return '—';
  const parts = [placement.box ? 'box ' + placement.box : null, placement.gpu, placement.server ? 'server ' + placement.server : null].filter(Boolean);
  return parts.join(' · ') + (placement.vramMb > 0 ? ' (' + gib(placement.vramMb) + ')' : '');
};
/** The job page's address: a fragment of /ui, so moving between views keeps the page (and its samples). */
const jobHref = (id: string) => '#job=' + encodeURIComponent(id);

// ---- DOM, text only
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'className') node.className = String(value);
    else node.setAttribute(name, String(value));
  }
  // append() turns a string into a Text node: it is never parsed as HTML.
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** An SVG element: the same, in SVG's namespace (attributes as given, text as a Text node). */
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, children: readonly Child[] = []): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function table<T>(caption: string, columns: readonly Column<T>[], items: readonly T[], emptyText: string, rowAttributes?: (item: T) => Attributes): HTMLElement {
  if (items.length === 0) return el('p', { className: 'muted', text: emptyText });
  const head = el('tr', {}, columns.map((c) => el('th', { scope: 'col', className: c.isNumber ? 'number' : undefined, text: c.title })));
  const cell = (c: Column<T>, item: T) => {
    const attributes = { className: c.isNumber ? 'number' : c.className, 'data-column': c.key };
    const text = String(c.value(item));
    return c.href && text !== '' ? el('td', attributes, [el('a', { href: c.href(item), text })]) : el('td', { ...attributes, text });
  };
  const rows = items.map((item) => el('tr', rowAttributes ? rowAttributes(item) : {}, columns.map((c) => cell(c, item))));
  return el('table', {}, [el('caption', { text: caption }), el('thead', {}, [head]), el('tbody', {}, rows)]);
}

const jobColumns: Column<JobView>[] = [
  { key: 'id', title: 'Job', className: 'id', value: (j) => j.id, href: (j) => jobHref(j.id) },
  { key: 'kind', title: 'Kind', value: (j) => j.kind },
  { key: 'tenant', title: 'Tenant', value: (j) => j.tenant },
];

// ---- requests, with the key
const authHeaders = (): Record<string, string> => {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { authorization: 'Bearer ' + key } : {};
};

/** An error answer's message, from the API's error body when it has one. */
async function httpErrorOf(response: Response): Promise<HttpError> {
  const body: unknown = await response.json().catch(() => null);
  const message = (body as Partial<import('@gpuq/shared').ErrorBody> | null)?.error?.message;
  return new HttpError(message || 'the server answered ' + response.status, response.status);
}

/** The answer's body, typed by its path: the API checks every answer against these schemas before it sends it. */
async function getJson<P extends keyof Responses>(path: P): Promise<Responses[P]> {
  const response = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
  if (!response.ok) throw await httpErrorOf(response);
  return (await response.json()) as Responses[P];
}

/** A job's own routes (its view, its cancel), which the Responses table cannot name by path. */
async function jobRequest(method: 'GET' | 'DELETE', id: string): Promise<JobView> {
  const response = await fetch('/v1/jobs/' + encodeURIComponent(id), { method, headers: authHeaders(), cache: 'no-store' });
  if (!response.ok) throw await httpErrorOf(response);
  return (await response.json()) as JobView;
}

/**
 * Reads a streamed answer (server-sent events, a followed log) as text, chunk by chunk, until it
 * ends or `signal` aborts. fetch and not EventSource: EventSource cannot send the key's header.
 */
async function readTextStream(path: string, signal: AbortSignal, onText: (text: string) => void, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(path, { headers: { ...authHeaders(), ...headers }, cache: 'no-store', signal });
  if (!response.ok) throw await httpErrorOf(response);
  if (!response.body) return response;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return response;
    if (value) onText(value);
  }
}
