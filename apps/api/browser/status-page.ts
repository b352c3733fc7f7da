// The status page's script, served as /ui/status-page.js after the page's other files
// (status-page-dom.ts: helpers; -charts, -failures, -job: those views), type-checked against the
// API's own response types. It asks for the admin key once, keeps it in sessionStorage, sends it as
// a Bearer header, and redraws every few seconds; /ui#job=<id> shows one job instead. Every text
// from the API is set as text (textContent, or a Text node), never parsed.

/** A job placed on a GPU: the only ones a GPU's table lists. */
type PlacedJob = JobView & { placement: NonNullable<JobView['placement']> };

{
  const requested = Number(new URLSearchParams(location.search).get('refresh'));
  const everyS = Number.isFinite(requested) && requested >= 1 ? Math.min(requested, 300) : 5;
  let timer: number | undefined;
  let isRefreshing = false;
  /** An admin key worked: the views may show. */
  let isSignedIn = false;

  // ---- GPUs
  /** The bar's parts, in MiB. What our jobs use is drawn inside their reservation; use beyond it apart. */
  function partsOf(gpu: GpuState) {
    const inUse = Math.min(gpu.usedByUsMb, gpu.reservedMb);
    const over = Math.max(0, gpu.usedByUsMb - gpu.reservedMb);
    return [
      { part: 'used', name: 'in use', mb: inUse },
      { part: 'reserved', name: 'reserved, not in use', mb: Math.max(0, gpu.reservedMb - inUse) },
      { part: 'over', name: 'over reservation', mb: over },
      { part: 'not-ours', name: 'not ours', mb: gpu.notOursMb },
      { part: 'headroom', name: 'headroom', mb: gpu.headroomMb },
      { part: 'free', name: 'free', mb: Math.max(0, gpu.freeMb - over) },
    ];
  }

  function gpuBar(gpu: GpuState) {
    const parts = partsOf(gpu);
    const whole = Math.max(gpu.totalMb, parts.reduce((sum, p) => sum + p.mb, 0), 1);
    const label =
      gpu.id + ': ' + gib(gpu.totalMb) + ' in all; ' + gib(gpu.reservedMb) + ' reserved by ' + plural(gpu.jobs, 'job') + ', ' +
      gib(gpu.usedByUsMb) + ' in use by them; ' + gib(gpu.notOursMb) + ' not ours; ' +
      (gpu.headroomMb > 0 ? gib(gpu.headroomMb) + ' headroom; ' : '') + gib(gpu.freeMb) + ' free';
    const bar = el('div', { className: 'bar', role: 'img', 'aria-label': label });
    for (const p of parts) {
      if (p.mb <= 0) continue;
      const span = el('span', { className: 'part-' + p.part, title: p.name + ': ' + gib(p.mb), 'data-part': p.part });
      // Set through the CSSOM, which the page's Content-Security-Policy allows (a style attribute it would not).
      span.style.width = ((p.mb / whole) * 100).toFixed(3) + '%';
      bar.append(span);
    }
    return bar;
  }

  function gpuNumbers(gpu: GpuState) {
    const entries: readonly (readonly [part: string, name: string, mb: number])[] = [
      ['total', 'total', gpu.totalMb],
      ['reserved', 'reserved', gpu.reservedMb],
      ['used', 'in use by our jobs', gpu.usedByUsMb],
      ['not-ours', 'not ours', gpu.notOursMb],
      ['headroom', 'headroom', gpu.headroomMb],
      ['free', 'free', gpu.freeMb],
    ];
    return el(
      'dl',
      { className: 'numbers' },
      entries.map(([part, name, mb]) => el('div', { 'data-part': part }, [el('dt', { text: name }), el('dd', { text: gib(mb) })])),
    );
  }

  function gpuSection(box: GpuBox, gpu: GpuState, jobs: readonly PlacedJob[], now: number) {
    const details = [gpu.name, gpu.isSimulated ? 'simulated' : null, gpu.utilizationPercent === null ? null : gpu.utilizationPercent + '% busy', gpu.temperatureC === null ? null : gpu.temperatureC + ' °C']
      .filter(Boolean)
      .join(' · ');
    const running = table<PlacedJob>(
      'Jobs running on ' + gpu.id,
      [
        ...jobColumns,
        { key: 'vram', title: 'VRAM', isNumber: true, value: (j) => gib(j.placement.vramMb) },
        { key: 'for', title: 'Running for', isNumber: true, value: (j) => (j.startedAt ? duration(now - j.startedAt) : '?') },
      ],
      jobs,
      'No jobs running on ' + gpu.id + '.',
      (j) => ({ 'data-job': j.id }),
    );
    return el('article', { className: 'gpu', 'data-box': box.boxId, 'data-gpu': gpu.id, 'aria-label': 'GPU ' + gpu.id }, [
      el('h4', {}, [gpu.id + ' ', details ? el('span', { className: 'muted', text: details }) : null]),
      gpu.drainedReason ? el('p', { className: 'drained', text: 'Drained: ' + gpu.drainedReason }) : null,
      gpuBar(gpu),
      gpuNumbers(gpu),
      running,
    ]);
  }

  function renderGpus(boxes: readonly GpuBox[], running: readonly JobView[], now: number) {
    // GPU ids repeat on every box: a job's placement names its box (older ones only their GPU).
    const shown = new Set<string>();
    const sections = boxes.map((box) => {
      const gpus = box.gpus.map((gpu) => {
        shown.add(gpu.id);
        shown.add(box.boxId + '/' + gpu.id);
        return gpuSection(box, gpu, running.filter((j): j is PlacedJob => j.placement !== null && j.placement.gpu === gpu.id && (j.placement.box ?? box.boxId) === box.boxId), now);
      });
      return el('div', { className: 'box', 'data-box': box.boxId }, [
        el('h3', {}, [
          'Box ' + box.boxId + ' ',
          el('span', { className: 'muted', text: 'scheduler ' + box.schedulerId + ' · inventory of ' + clock(box.updatedAt) }),
          ...(box.drainedReason !== null ? [' ', el('span', { className: 'drained', text: 'drained: ' + box.drainedReason + ' (takes no new jobs)' })] : []),
        ]),
        ...gpus,
      ]);
    });
    byId('boxes').replaceChildren(...(sections.length > 0 ? sections : [el('p', { className: 'muted', text: 'No scheduler is active, so no GPUs are known.' })]));

    const elsewhere = running.filter((j) => !j.placement || j.placement.gpu === null || !shown.has(j.placement.box !== undefined ? j.placement.box + '/' + j.placement.gpu : j.placement.gpu));
    byId('running-elsewhere').replaceChildren(
      ...(elsewhere.length === 0
        ? []
        : [
            el('h3', { text: 'Running on solve servers or not on one GPU' }),
            table(
              'Jobs not tied to one GPU shown above',
              [
                ...jobColumns,
                { key: 'where', title: 'Where', value: (j) => (j.placement ? j.placement.server || j.placement.gpu || '?' : '?') },
                { key: 'for', title: 'Running for', isNumber: true, value: (j) => (j.startedAt ? duration(now - j.startedAt) : '?') },
              ],
              elsewhere,
              '',
              (j) => ({ 'data-job': j.id }),
            ),
          ]),
    );
  }

  function renderServers(boxes: readonly GpuBox[]) {
    const servers = boxes.flatMap((box) => box.solveServers.map((server) => ({ box: box.boxId, ...server })));
    byId('server-list').replaceChildren(
      table(
        'Solve servers of the active schedulers',
        [
          { key: 'name', title: 'Server', value: (s) => s.name },
          { key: 'box', title: 'Box', value: (s) => s.box },
          { key: 'state', title: 'State', value: (s) => (s.unavailableReason === null ? 'up' : 'down: ' + s.unavailableReason) },
          { key: 'load', title: 'Solving', isNumber: true, value: (s) => s.running + ' of ' + s.slots },
          { key: 'problems', title: 'Takes', value: (s) => s.problems.join(', ') },
          { key: 'gpus', title: 'GPUs', value: (s) => (s.gpus.length > 0 ? s.gpus.join(', ') : 'CPU') },
          { key: 'url', title: 'URL', value: (s) => s.url ?? '(admins only)' },
        ],
        servers,
        'No solve servers are configured.',
        (s) => ({ 'data-server': s.name, 'data-state': s.unavailableReason === null ? 'up' : 'down' }),
      ),
    );
    for (const cell of byId('server-list').querySelectorAll('td[data-column="state"]')) {
      cell.className = cell.textContent === 'up' ? 'state-up' : 'state-down';
    }
  }

  function renderQueue(queues: SystemStatus['queues'], queued: readonly JobView[], now: number) {
    const kinds = Object.entries(queues).map(([kind, counts]) => ({ kind, ...counts }));
    byId('queue-depth').replaceChildren(
      table(
        'Jobs by kind',
        [
          { key: 'kind', title: 'Kind', value: (q) => q.kind },
          { key: 'queued', title: 'Queued', isNumber: true, value: (q) => q.queued },
          { key: 'running', title: 'Running', isNumber: true, value: (q) => q.running },
          { key: 'delayed', title: 'Retrying later', isNumber: true, value: (q) => q.delayed },
          { key: 'failed', title: 'Failed or cancelled', isNumber: true, value: (q) => q.failed },
          { key: 'completed', title: 'Succeeded', isNumber: true, value: (q) => q.completed },
        ],
        kinds,
        'No kinds.',
        (q) => ({ 'data-kind': q.kind }),
      ),
    );
    byId('queued').replaceChildren(
      table(
        'The next jobs of each kind, in the order they will be placed',
        [
          { key: 'position', title: 'Ahead', isNumber: true, value: (j) => (j.queuePosition === null ? '' : j.queuePosition) },
          ...jobColumns,
          { key: 'priority', title: 'Priority', isNumber: true, value: (j) => j.priority },
          { key: 'vram', title: 'VRAM asked', isNumber: true, value: (j) => (j.resources.vramMb === null ? 'default' : gib(j.resources.vramMb)) },
          { key: 'waiting', title: 'Waiting for', isNumber: true, value: (j) => duration(now - j.createdAt) },
          { key: 'reason', title: 'Why it waits', value: (j) => j.pendingReason || '' },
        ],
        queued,
        'No jobs are waiting.',
        (j) => ({ 'data-job': j.id }),
      ),
    );
  }

  function renderSchedulers(schedulers: SystemStatus['schedulers'], now: number) {
    byId('scheduler-list').replaceChildren(
      table(
        'Scheduler processes and their last heartbeat',
        [
          { key: 'id', title: 'Scheduler', className: 'id', value: (s) => s.id },
          { key: 'box', title: 'Box', value: (s) => s.boxId },
          { key: 'role', title: 'Role', value: (s) => s.role },
          { key: 'heartbeat', title: 'Last heartbeat', isNumber: true, value: (s) => duration(now - s.heartbeatAt) + ' ago' },
          { key: 'alive', title: 'Alive', value: (s) => (s.isAlive ? 'yes' : 'no (heartbeat too old)') },
        ],
        schedulers,
        'No scheduler has ever reported.',
        (s) => ({ 'data-scheduler': s.id }),
      ),
    );
  }

  // ---- fetching, views and the key
  /** The job the address names (/ui#job=<id>), or null for the status itself. */
  function jobIdOfAddress(): string | null {
    const match = /^#job=(.+)$/.exec(location.hash);
    if (!match) return null;
    try {
      return decodeURIComponent(match[1]!);
    } catch {
      return null;
    }
  }

  /** The status or one job, as the address says; once signed in. */
  function showView() {
    const id = jobIdOfAddress();
    byId('dashboard').hidden = id !== null;
    byId('job-page').hidden = id === null;
    if (id === null) closeJobPage();
    else if (jobPage?.id !== id) openJobPage(id);
  }

  function showKeyForm(message: string) {
    clearTimeout(timer);
    isSignedIn = false;
    closeJobPage();
    byId('dashboard').hidden = true;
    byId('job-page').hidden = true;
    byId('forget-key').hidden = true;
    byId('updated').textContent = 'Not signed in';
    byId('key-form-message').textContent = message;
    byId('key-form').hidden = false;
    byId('key-input').focus();
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), everyS * 1000);
  }

  function keyRefused(error: HttpError) {
    const hadKey = sessionStorage.getItem(KEY_STORAGE) !== null;
    sessionStorage.removeItem(KEY_STORAGE);
    if (error.status === 403) showKeyForm('That key is not an admin key: ' + error.message);
    else showKeyForm(hadKey ? 'That key was refused: ' + error.message : 'Enter an admin API key to see the status.');
  }

  async function refresh() {
    clearTimeout(timer);
    if (isRefreshing) return;
    if (document.hidden) return schedule();
    isRefreshing = true;
    try {
      const [gpus, status, overview, failed] = await Promise.all([getJson('/v1/gpus'), getJson('/v1/system/status'), getJson('/v1/system/queue'), getJson('/v1/system/failures')]);
      const now = Date.now();
      // Sampled on every refresh, whichever view shows: the charts' only data.
      addSample(gpus.boxes, status, now);
      renderCharts(now, everyS);
      renderGpus(gpus.boxes, overview.running, now);
      renderServers(gpus.boxes);
      renderQueue(status.queues, overview.queued, now);
      setFailures(failed.failures, failed.readPerKind, Object.keys(status.queues));
      renderSchedulers(status.schedulers, now);
      byId('key-form').hidden = true;
      byId('load-error').hidden = true;
      isSignedIn = true;
      showView();
      byId('forget-key').hidden = !sessionStorage.getItem(KEY_STORAGE);
      byId('updated').textContent = 'updated ' + clock(now) + ' · refreshes every ' + everyS + ' s';
      schedule();
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return keyRefused(error);
      const message = error instanceof Error ? error.message : String(error);
      byId('load-error').textContent = 'Could not refresh: ' + message + '. Showing what was loaded before; trying again in ' + everyS + ' s.';
      byId('load-error').hidden = false;
      schedule();
    } finally {
      isRefreshing = false;
    }
  }

  byId('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('key-input', HTMLInputElement);
    const key = input.value.trim();
    if (key === '') return;
    sessionStorage.setItem(KEY_STORAGE, key);
    input.value = '';
    byId('key-form').hidden = true;
    byId('updated').textContent = 'Loading…';
    void refresh();
  });
  byId('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyForm('Key forgotten. Enter an admin API key to see the status.');
  });
  window.addEventListener('hashchange', () => {
    if (!isSignedIn) return;
    showView();
    window.scrollTo(0, 0);
  });
  watchFailureFilters();
  watchJobPage(keyRefused);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && byId('key-form').hidden) void refresh();
  });
  void refresh();
}
