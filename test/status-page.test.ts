// The status page (/ui) and bull-board (/admin/queues) against a whole stack with keys: two GPUs
// (one shared with a process that is not ours), a job running, one waiting for VRAM, one failed.
// The page is driven in headless Chromium: the key form, refusals, the bars' numbers against
// GET /v1/gpus, the job lists, a refresh that brings in a job submitted after it loaded, the charts
// it samples, the job page (view, events, log lines as they come, cancel) and the failures filter.
// Screenshots of each view go to GPUQ_SCREENSHOT_DIR (a fresh temporary folder by default).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, KINDS, type FailureList, type GpuState, type JobView } from '@gpuq/shared';
import { ROOT, waitFor } from '@gpuq/testkit';
import { buildTestApp } from '../apps/api/test/test-app.js';
import { readStatusPageScript } from '../apps/api/src/ui/status-page-script.js';
import { CONTRACTS_LP, marketSplitMilp } from './fixtures/problems.js';
import { Stack } from './helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\nstatus-page browser tests will be skipped: ${CHROMIUM} is missing (install chromium to run them)\n`);

const FAKE_SMI = join(ROOT, 'test', 'fakes', 'nvidia-smi.mjs');
const UUIDS = { gpu0: 'GPU-0b0c0d0e-0000-4000-8000-00000000000a', gpu1: 'GPU-0b0c0d0e-0000-4000-8000-00000000000b' };
const ADMIN_KEY = 'admin-key-status-page-0123456789';
const TENANT_KEY = 'acme-key-status-page-0123456789';
const OTHER_TENANT_KEY = 'globex-key-status-page-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}` });
/** Needs more than gpu1 has and more than gpu0 has left once the long job runs: it waits. */
const BIG_VRAM_MB = 20_000;
const gib = (mb: number) => `${(Math.max(0, mb) / 1024).toFixed(1)} GiB`;

/** What the API serves: the compiled apps/api/browser/status-page.ts. */
const STATUS_PAGE_SCRIPT = await readStatusPageScript();

let stack: Stack;
let failed: JobView;
let running: JobView;
let waiting: JobView;

const submit = async (body: unknown, key = TENANT_KEY): Promise<JobView> => {
  const result = await stack.request<JobView>('POST', '/v1/jobs', body, bearer(key));
  if (result.status !== 202) throw new Error(`submit answered ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body;
};
const jobAsAdmin = async (id: string) => (await stack.request<JobView>('GET', `/v1/jobs/${id}`, undefined, bearer(ADMIN_KEY))).body;
const waitForJob = (id: string, isDone: (view: JobView) => boolean, what: string) =>
  waitFor(async () => {
    const view = await jobAsAdmin(id);
    return isDone(view) ? view : undefined;
  }, { what, timeoutMs: 30_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${stack.logs()}`);
  });

beforeAll(async () => {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'gpuq-smi-')), 'state.json');
  // pid 1 (always alive) holds 3 GiB of gpu0: memory that is not ours.
  writeFileSync(
    stateFile,
    JSON.stringify({
      gpus: [
        { index: 0, uuid: UUIDS.gpu0, name: 'Fake L4', totalMb: 24_576, usedMb: 3_072 },
        { index: 1, uuid: UUIDS.gpu1, name: 'Fake T4', totalMb: 16_384, usedMb: 0 },
      ],
      apps: [{ gpuUuid: UUIDS.gpu0, pid: 1, usedMb: 3_072 }],
    }),
  );
  stack = await Stack.start({
    gpus: [
      { id: 'gpu0', vramMb: 24_576, uuid: UUIDS.gpu0 },
      { id: 'gpu1', vramMb: 16_384, uuid: UUIDS.gpu1 },
    ],
    scheduler: { gpuMonitor: { command: FAKE_SMI, intervalMs: 200 } },
    schedulerEnv: { FAKE_NVIDIA_SMI_STATE: stateFile },
    apiEnv: { GPUQ_API_KEYS: `acme:${TENANT_KEY},globex:${OTHER_TENANT_KEY}`, GPUQ_ADMIN_KEYS: ADMIN_KEY },
  });
  await waitFor(async () => (await stack.inventory())?.gpus.find((g) => g.id === 'gpu0')?.notOursMb === 3_072, { what: 'the monitor to see the other process' });
  // In order, so each has the solver's only thread to itself.
  failed = await submit({ kind: 'solve', input: marketSplitMilp(60), timeoutSeconds: 1 });
  failed = await waitForJob(failed.id, (v) => v.status === 'failed', 'the short-timeout job to fail');
  running = await submit({ kind: 'solve', input: marketSplitMilp(600), resources: { vramMb: BIG_VRAM_MB } });
  running = await waitForJob(running.id, (v) => v.status === 'running', 'the long job to run');
  waiting = await submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: BIG_VRAM_MB } });
  waiting = await waitForJob(waiting.id, (v) => v.pendingReason?.startsWith('needs') === true, 'the big job to wait for VRAM');
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the page shell', () => {
  it('is served without a key, holds no data, and allows only its own script and styles', async () => {
    const page = await fetch(`${stack.apiUrl}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<script src="/ui/status-page.js" defer></script>');
    expect(html).not.toContain(running.id);

    const script = await fetch(`${stack.apiUrl}/ui/status-page.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(STATUS_PAGE_SCRIPT);
    expect((await fetch(`${stack.apiUrl}/ui/status-page.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const slash = await fetch(`${stack.apiUrl}/ui/`, { redirect: 'manual' });
    expect([slash.status, slash.headers.get('location')]).toEqual([302, '/ui']);
  });

  it('ships a script that parses, and that never writes HTML from data', () => {
    // Compiles it without running it: a syntax error would leave the page blank.
    expect(() => {
      runInNewContext(`(function () {\n${STATUS_PAGE_SCRIPT}\n})`);
    }).not.toThrow();
    expect(STATUS_PAGE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});

describe('GET /v1/system/queue', () => {
  it('is for admins only', async () => {
    expect((await stack.request('GET', '/v1/system/queue')).status).toBe(401);
    expect((await stack.request('GET', '/v1/system/queue', undefined, bearer(TENANT_KEY))).status).toBe(403);
  });

  it('lists the running job, the waiting one with its pending reason, and the failure with its error', async () => {
    const { body, status } = await stack.request<{ running: JobView[]; queued: JobView[]; recentFailures: JobView[] }>('GET', '/v1/system/queue', undefined, bearer(ADMIN_KEY));
    expect(status).toBe(200);
    expect(body.running.map((j) => [j.id, j.placement?.gpu, j.tenant])).toEqual([[running.id, 'gpu0', 'acme']]);
    const queued = body.queued.find((j) => j.id === waiting.id);
    expect(queued?.pendingReason).toBe((await jobAsAdmin(waiting.id)).pendingReason);
    expect(queued?.pendingReason).toMatch(/^needs 20000 MiB/);
    expect(body.recentFailures.map((j) => [j.id, j.error?.code])).toEqual([[failed.id, 'timed_out']]);
  });
});

describe('GET /v1/system/failures', () => {
  it('is for admins only', async () => {
    expect((await stack.request('GET', '/v1/system/failures')).status).toBe(401);
    expect((await stack.request('GET', '/v1/system/failures', undefined, bearer(TENANT_KEY))).status).toBe(403);
  });

  it('lists the failed job with its error and tenant, without its result, and says how much it reads', async () => {
    const { body, status } = await stack.request<FailureList>('GET', '/v1/system/failures', undefined, bearer(ADMIN_KEY));
    expect(status).toBe(200);
    expect(body.readPerKind).toBe(100);
    expect(body.failures.map((j) => [j.id, j.status, j.tenant, j.error?.code, j.result])).toEqual([[failed.id, 'failed', 'acme', 'timed_out', null]]);
  });
});

describe('bull-board at /admin/queues', () => {
  it('asks a browser for Basic credentials, and lets only an admin key in', async () => {
    const anonymous = await fetch(`${stack.apiUrl}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="gpuq admin"/);
    expect((await fetch(`${stack.apiUrl}/admin/queues`, { headers: basic('not-a-key') })).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/admin/queues`, { headers: basic(TENANT_KEY) })).status).toBe(403);

    const board = await fetch(`${stack.apiUrl}/admin/queues`, { headers: basic(ADMIN_KEY) });
    expect(board.status).toBe(200);
    expect(board.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await board.text()).toContain('gpuq queues');
  });

  it("lists every kind's queue in its JSON API, and refuses changes (read-only)", async () => {
    const api = await fetch(`${stack.apiUrl}/admin/queues/api/queues`, { headers: basic(ADMIN_KEY) });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(queues.map((q) => q.name).sort()).toEqual([...KINDS].sort());
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    const pause = await fetch(`${stack.apiUrl}/admin/queues/api/queues/solve/pause`, { method: 'PUT', headers: basic(ADMIN_KEY) });
    expect(pause.status).toBe(405);
  });
});

describe('open mode (no keys)', () => {
  it('serves the queue view and bull-board without credentials', async () => {
    const app = await buildTestApp({}, { isOpen: true });
    try {
      expect((await app.inject({ method: 'GET', url: '/v1/system/queue' })).json()).toEqual({ running: [], queued: [], recentFailures: [] });
      expect((await app.inject({ method: 'GET', url: '/v1/system/failures' })).json()).toEqual({ failures: [], readPerKind: 100 });
      expect((await app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!hasChromium)(`the status page in a browser${hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`}`, () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const screenshotDir = process.env.GPUQ_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'gpuq-status-page-'));
  /** A PNG of the whole page, or of one element of it, in the screenshot folder; its path is printed. */
  const screenshot = async (name: string, selector?: string) => {
    mkdirSync(screenshotDir, { recursive: true });
    const path = join(screenshotDir, `${name}.png`);
    if (selector) await page.locator(selector).screenshot({ path });
    else await page.screenshot({ path, fullPage: true });
    console.info(`status page screenshot (${name}): ${path}`);
    return path;
  };

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();
  /** One attribute of every element the selector matches, in document order. */
  const attributes = async (selector: string, name: string) => Promise.all((await page.locator(selector).all()).map((element) => element.getAttribute(name)));
  const signIn = async (key: string) => {
    await page.locator('#key-input').fill(key);
    await page.locator('#key-form button[type=submit]').click();
  };
  const formMessage = (expected: RegExp) =>
    waitFor(async () => (await page.locator('#key-form').isVisible()) && expected.test(await text('#key-form-message')), { what: `the key form to say ${expected}` });

  it('asks for the key, refuses a wrong one and a tenant key, and shows the status with the admin key', async () => {
    await page.goto(`${stack.apiUrl}/ui?refresh=1`);
    await formMessage(/^Enter an admin API key/);
    expect(await page.locator('#dashboard').isHidden()).toBe(true);

    await signIn('not-a-key-0123456789');
    await formMessage(/^That key was refused: That API key is not valid\./);
    await signIn(TENANT_KEY);
    await formMessage(/^That key is not an admin key/);
    expect(await page.locator('#dashboard').isHidden()).toBe(true);

    await signIn(ADMIN_KEY);
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    expect(await page.locator('#key-form').isHidden()).toBe(true);
    expect(await text('#updated')).toMatch(/^updated \d\d:\d\d:\d\d/);
    // Kept for the tab: a reload shows the status without asking again.
    await page.reload();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    expect(await page.locator('#key-form').isHidden()).toBe(true);
  });

  it("draws each GPU's VRAM with the numbers GET /v1/gpus gives, and the running job under its GPU", async () => {
    const { body } = await stack.request<{ boxes: Array<{ gpus: GpuState[] }> }>('GET', '/v1/gpus', undefined, bearer(ADMIN_KEY));
    const gpus = body.boxes.flatMap((b) => b.gpus);
    expect(gpus.map((g) => g.id).sort()).toEqual(['gpu0', 'gpu1']);
    const shown = (gpu: string, part: string) => text(`[data-gpu="${gpu}"] .numbers [data-part="${part}"] dd`);
    for (const gpu of gpus) {
      await waitFor(async () => (await shown(gpu.id, 'reserved')) === gib(gpu.reservedMb), { what: `${gpu.id}'s reservation on the page` });
      expect(await shown(gpu.id, 'total')).toBe(gib(gpu.totalMb));
      expect(await shown(gpu.id, 'not-ours')).toBe(gib(gpu.notOursMb));
      expect(await shown(gpu.id, 'used')).toBe(gib(gpu.usedByUsMb));
      expect(await shown(gpu.id, 'free')).toBe(gib(gpu.freeMb));
    }
    // The same numbers, worked out by hand: gpu0 holds the 20000 MiB job beside 3 GiB not ours.
    expect([await shown('gpu0', 'total'), await shown('gpu0', 'reserved'), await shown('gpu0', 'not-ours'), await shown('gpu0', 'free')]).toEqual(['24.0 GiB', '19.5 GiB', '3.0 GiB', '1.5 GiB']);
    expect([await shown('gpu1', 'total'), await shown('gpu1', 'reserved'), await shown('gpu1', 'free')]).toEqual(['16.0 GiB', '0.0 GiB', '16.0 GiB']);
    expect(await page.locator('[data-gpu="gpu0"] .bar').getAttribute('aria-label')).toBe(
      'gpu0: 24.0 GiB in all; 19.5 GiB reserved by 1 job, 0.0 GiB in use by them; 3.0 GiB not ours; 1.5 GiB free',
    );
    expect(await attributes('[data-gpu="gpu0"] .bar [data-part]', 'data-part')).toEqual(['reserved', 'not-ours', 'free']);
    expect(await attributes('[data-gpu="gpu1"] .bar [data-part]', 'data-part')).toEqual(['free']);

    const row = page.locator(`[data-gpu="gpu0"] tr[data-job="${running.id}"]`);
    expect(await row.locator('[data-column="kind"]').textContent()).toBe('solve');
    expect(await row.locator('[data-column="tenant"]').textContent()).toBe('acme');
    expect(await row.locator('[data-column="vram"]').textContent()).toBe('19.5 GiB');
    expect(await page.locator(`[data-gpu="gpu1"] tr[data-job="${running.id}"]`).count()).toBe(0);
  });

  it('lists the kinds, the waiting job with its reason, and the failure with its error', async () => {
    expect((await attributes('#queue-depth tr[data-kind]', 'data-kind')).sort()).toEqual([...KINDS].sort());
    const reason = (await jobAsAdmin(waiting.id)).pendingReason;
    expect(await text(`#queued tr[data-job="${waiting.id}"] [data-column="reason"]`)).toBe(reason);
    const failure = page.locator(`#failure-list tr[data-job="${failed.id}"]`);
    expect(await failure.locator('[data-column="code"]').textContent()).toBe('timed_out');
    expect(await failure.locator('[data-column="message"]').textContent()).toBe(failed.error!.message);
    expect(await text('#server-list')).toBe('No solve servers are configured.');
    expect(await page.locator('#scheduler-list tr[data-scheduler]').count()).toBeGreaterThanOrEqual(1);
  });

  it('refreshes itself: a job submitted after it loaded appears without a reload', async () => {
    const before = await text('#updated');
    const late = await submit({ kind: 'solve', input: CONTRACTS_LP, resources: { vramMb: BIG_VRAM_MB } });
    await waitFor(async () => (await page.locator(`#queued tr[data-job="${late.id}"]`).count()) === 1, { what: 'the late job on the page', timeoutMs: 20_000 });
    expect(await text('#updated')).not.toBe(before);
  });

  /** The text of a job page's fact. */
  const jobFact = (field: string) => text(`#job-facts [data-field="${field}"] dd`);
  /** The job ids a table lists, in order. */
  const listedJobs = (selector: string) => attributes(`${selector} tr[data-job]`, 'data-job');

  it('draws the last hour from the samples it took while open: queued and running jobs per kind, VRAM per GPU', async () => {
    const points = async (selector: string) => Number((await page.locator(selector).getAttribute('data-points')) ?? 0);
    await waitFor(
      async () =>
        (await points('#chart-queued polyline[data-series="solve"]')) >= 3 &&
        (await points('#chart-running polyline[data-series="solve"]')) >= 3 &&
        (await points('#chart-vram polyline[data-series="box-1/gpu0"]')) >= 3 &&
        (await points('#chart-vram polyline[data-series="box-1/gpu0 reserved"]')) >= 3,
      { what: 'three samples on every chart', timeoutMs: 20_000 },
    );
    expect((await attributes('#chart-running polyline', 'data-series')).sort()).toEqual([...KINDS].sort());
    expect((await attributes('#chart-vram polyline', 'data-series')).sort()).toEqual(['box-1/gpu0', 'box-1/gpu0 reserved', 'box-1/gpu1', 'box-1/gpu1 reserved']);
    // The latest sample, as the legend says it: one solve running; gpu0 holds the 20000 MiB job, beside 3 GiB not ours.
    expect(await text('#chart-running .chart-legend')).toContain('solve 1 jobs');
    expect(await text('#chart-vram .chart-legend')).toContain('box-1/gpu0 reserved 19.5 GiB');
    expect(await text('#chart-vram .chart-legend')).toContain('box-1/gpu0 3.0 GiB');
    // Every point lies inside the plot.
    for (const line of await page.locator('#chart-list polyline').all()) {
      for (const point of ((await line.getAttribute('points')) ?? '').split(' ')) {
        const [x, y] = point.split(',').map(Number);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(640);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(180);
      }
    }
    expect(await text('#chart-note')).toMatch(/^Sampled by this page every 1 s while it is open, since \d\d:\d\d:\d\d \(\d+ samples\): gpuq keeps no history/);
    await screenshot('charts', '#charts');
  });

  it("opens the running job's page from its id: its view, its events, and its log lines as they come", async () => {
    await page.locator(`[data-gpu="gpu0"] tr[data-job="${running.id}"] [data-column="id"] a`).click();
    await page.locator('#job-page').waitFor({ state: 'visible' });
    expect(new URL(page.url()).hash).toBe(`#job=${running.id}`);
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    await waitFor(async () => (await text('#job-status')) === 'running', { what: 'the job page to show the job running' });
    expect(await text('#job-title')).toBe(`Job ${running.id}`);
    expect([await jobFact('tenant'), await jobFact('kind'), await jobFact('priority'), await jobFact('vram')]).toEqual(['acme', 'solve', '50', '19.5 GiB']);
    expect(await jobFact('attempts')).toBe(`1 of ${running.attempts.max}`);
    expect(await jobFact('placement')).toBe('box box-1 · gpu0 (19.5 GiB)');
    expect(await jobFact('cost')).toMatch(/^\$\d+\.\d{6} · \d+\.\d GPU s · 0\.0 CPU s$/);
    // Its events: the view as the stream first sent it.
    await page.locator('#job-events li[data-event="job"][data-status="running"]').first().waitFor();
    // The first: the stream sends the view again when it changes (its cost grows while it runs).
    expect(await page.locator('#job-events li[data-event="job"]').first().textContent()).toContain('running · attempt 1 of');
    // Where it runs: the one attempt there is.
    const attempt = page.locator('#job-attempts tr[data-attempt="1"]');
    expect([await attempt.locator('[data-column="where"]').textContent(), await attempt.locator('[data-column="outcome"]').textContent()]).toEqual(['box box-1 · gpu0 (19.5 GiB)', 'running']);

    // Lines added to the job's log (where the scheduler appends the worker's output) appear while the page is open.
    await waitFor(async () => /^Following the log/.test(await text('#job-log-state')), { what: 'the page to follow the log' });
    const lines = [`status page line one ${randomUUID()}\n`, `status page line two ${randomUUID()}\n`];
    for (const line of lines) {
      await stack.redis().append(keys.jobLog(running.id), line);
      await waitFor(async () => ((await page.locator('#job-log').textContent()) ?? '').includes(line), { what: `the log line ${line.trim()}`, timeoutMs: 10_000 });
    }
    const log = (await page.locator('#job-log').textContent()) ?? '';
    expect(log.indexOf(lines[0]!)).toBeLessThan(log.indexOf(lines[1]!));
    expect(log).toBe(await (await fetch(`${stack.apiUrl}/v1/jobs/${running.id}/logs`, { headers: bearer(ADMIN_KEY) })).text());
    await screenshot('job-page-running');
  });

  it('cancels the job from its page, only once the admin confirms', async () => {
    await page.locator('#job-cancel').click();
    await page.locator('#cancel-dialog').waitFor({ state: 'visible' });
    expect(await text('#cancel-dialog-job')).toBe(running.id);
    await screenshot('job-page-cancel-dialog');
    await page.locator('#cancel-keep').click();
    await page.locator('#cancel-dialog').waitFor({ state: 'hidden' });
    expect((await jobAsAdmin(running.id)).cancelRequestedAt).toBeNull();

    // A read of the attempts taken while the job still runs (the page reads them again on each view:
    // its cost grows) is answered late, after those that follow the cancel: it must not paint the
    // ended attempt as running again.
    let attemptReads = 0;
    let isStaleReadAnswered = false;
    await page.route(`**/v1/jobs/${running.id}/attempts`, async (route) => {
      const response = await route.fetch();
      if (++attemptReads === 1) {
        await sleep(4_000);
        isStaleReadAnswered = true;
      }
      await route.fulfill({ response });
    });
    await waitFor(async () => attemptReads >= 1, { what: 'a read of the attempts while the job runs' });
    await page.locator('#job-cancel').click();
    await page.locator('#cancel-confirm').click();
    running = await waitForJob(running.id, (v) => v.status === 'cancelled', 'the job cancelled from its page');
    expect(running.cancelRequestedAt).not.toBeNull();
    await page.locator('#job-events li[data-event="end"][data-status="cancelled"]').waitFor();
    expect(await text('#job-status')).toBe('cancelled');
    expect(await jobFact('error')).toMatch(/^cancelled: /);
    expect(await page.locator('#job-cancel').isHidden()).toBe(true);
    // The placement history is read again after each view: it follows the view that ended the job.
    await waitFor(async () => (await text('#job-attempts tr[data-attempt="1"] [data-column="outcome"]')) === 'cancelled', { what: 'the attempt shown cancelled' });
    await waitFor(async () => (await text('#job-log-state')) === 'The whole log (the job has ended).', { what: 'the log to be read to its end' });
    await waitFor(async () => isStaleReadAnswered, { what: 'the late read answered' });
    await sleep(200);
    expect(await text('#job-attempts tr[data-attempt="1"] [data-column="outcome"]')).toBe('cancelled');
    await page.unroute(`**/v1/jobs/${running.id}/attempts`);
    await screenshot('job-page-cancelled');
    await page.locator('#job-back').click();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    expect(await page.locator('#job-page').isHidden()).toBe(true);
  });

  it('narrows the failures by kind, error code, tenant and time, in the page without a reload', async () => {
    const other = await submit({ kind: 'solve', input: marketSplitMilp(60), timeoutSeconds: 1, maxAttempts: 1 }, OTHER_TENANT_KEY);
    await waitForJob(other.id, (v) => v.status === 'failed', "the other tenant's job to time out");
    await waitFor(async () => (await listedJobs('#failure-list')).length === 3, { what: 'three failures on the page', timeoutMs: 20_000 });
    expect(await listedJobs('#failure-list')).toEqual([other.id, running.id, failed.id]);
    // A reload would lose this.
    await page.evaluate(() => Object.assign(globalThis, { gpuqTestMarker: true }));

    const choose = async (filter: 'kind' | 'code' | 'tenant' | 'window', value: string) => {
      await page.locator(`#filter-${filter}`).selectOption(value);
    };
    expect(await attributes('#filter-tenant option', 'value')).toEqual(['', 'acme', 'globex']);
    expect(await attributes('#filter-code option', 'value')).toEqual(['', 'cancelled', 'timed_out']);
    await choose('tenant', 'globex');
    expect(await listedJobs('#failure-list')).toEqual([other.id]);
    expect(await text('#failure-count')).toMatch(/^1 of 3 failed or cancelled jobs/);
    await choose('tenant', '');
    await choose('code', 'cancelled');
    expect(await listedJobs('#failure-list')).toEqual([running.id]);
    await choose('code', 'timed_out');
    expect(await listedJobs('#failure-list')).toEqual([other.id, failed.id]);
    await choose('tenant', 'acme');
    await choose('kind', 'solve');
    expect(await listedJobs('#failure-list')).toEqual([failed.id]);
    // Kept through the page's own refreshes.
    const before = await text('#updated');
    await waitFor(async () => (await text('#updated')) !== before, { what: 'a refresh' });
    expect(await listedJobs('#failure-list')).toEqual([failed.id]);
    await screenshot('failures-filtered', '#failures');
    await choose('kind', 'inference');
    expect(await text('#failure-list')).toBe('No failed or cancelled job matches the filter.');
    await page.locator('#failure-filters button[type=reset]').click();
    await waitFor(async () => (await listedJobs('#failure-list')).length === 3, { what: 'every failure again once the filters are cleared' });
    // All three ended within the last 15 minutes: this test file has not run that long.
    await choose('window', String(15 * 60_000));
    expect(await listedJobs('#failure-list')).toEqual([other.id, running.id, failed.id]);
    expect(await page.evaluate(() => (globalThis as { gpuqTestMarker?: boolean }).gpuqTestMarker)).toBe(true);
    // A job's id in the list opens its page.
    await page.locator(`#failure-list tr[data-job="${other.id}"] [data-column="id"] a`).click();
    await waitFor(async () => (await jobFact('error')).startsWith('timed_out: '), { what: "the failed job's page" });
    expect(await jobFact('tenant')).toBe('globex');
    await screenshot('job-page-failed');
    await page.locator('#job-back').click();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
  });

  it('takes a screenshot that shows the whole page', async () => {
    const path = await screenshot('status-page');
    const png = readFileSync(path);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(800);
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('opens bull-board with Basic credentials, as a browser would', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: ADMIN_KEY } });
    try {
      const board = await context.newPage();
      const response = await board.goto(`${stack.apiUrl}/admin/queues`);
      expect(response?.status()).toBe(200);
      expect(await board.title()).toBe('gpuq queues');
    } finally {
      await context.close();
    }
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(problems).toEqual([]);
  });
});
