// The status page's HTML shell. It holds no data, so /ui serves it without a key; the script fills
// it in. Kept as a string module so that it ships inside dist/ with the compiled API.

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gpuq status</title>
<link rel="stylesheet" href="/ui/status-page.css">
<script src="/ui/status-page.js" defer></script>
</head>
<body>
<header>
  <h1>gpuq status</h1>
  <p id="updated" role="status" aria-live="polite">Loading…</p>
  <nav aria-label="Other admin pages"><a href="/admin/queues">Queues (bull-board)</a> · <a href="/docs">API docs</a></nav>
  <button type="button" id="forget-key" hidden>Forget key</button>
</header>
<main>
  <form id="key-form" hidden aria-labelledby="key-form-title">
    <h2 id="key-form-title">Admin key</h2>
    <p id="key-form-message" role="alert"></p>
    <label for="key-input">Admin API key</label>
    <input id="key-input" name="key" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">Show status</button>
    <p class="hint">The key stays in this browser tab (session storage) and is sent to this server only, as <code>Authorization: Bearer</code>.</p>
  </form>

  <div id="dashboard" hidden>
    <p id="load-error" class="error" role="alert" hidden></p>

    <section id="gpus" aria-labelledby="gpus-title">
      <h2 id="gpus-title">GPUs</h2>
      <dl class="legend" aria-label="What the parts of each bar mean">
        <div><dt><span class="swatch part-used" aria-hidden="true"></span>In use</dt><dd>reserved by our running jobs and in use by them, as the driver reports</dd></div>
        <div><dt><span class="swatch part-reserved" aria-hidden="true"></span>Reserved</dt><dd>reserved by our running jobs, not in use (yet); the scheduler places by reservations</dd></div>
        <div><dt><span class="swatch part-over" aria-hidden="true"></span>Over reservation</dt><dd>used by our jobs beyond what they reserved: their VRAM estimate is too low</dd></div>
        <div><dt><span class="swatch part-not-ours" aria-hidden="true"></span>Not ours</dt><dd>used by processes that are not gpuq jobs</dd></div>
        <div><dt><span class="swatch part-headroom" aria-hidden="true"></span>Headroom</dt><dd>kept back by configuration</dd></div>
        <div><dt><span class="swatch part-free" aria-hidden="true"></span>Free</dt><dd>what a new job can be given</dd></div>
      </dl>
      <div id="boxes"></div>
      <div id="running-elsewhere"></div>
    </section>

    <section id="servers" aria-labelledby="servers-title">
      <h2 id="servers-title">Solve servers</h2>
      <div id="server-list"></div>
    </section>

    <section id="queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Queue</h2>
      <div id="queue-depth"></div>
      <h3>Queued jobs and why they wait</h3>
      <div id="queued"></div>
    </section>

    <section id="charts" aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <p id="chart-note" class="muted"></p>
      <div id="chart-list"></div>
    </section>

    <section id="failures" aria-labelledby="failures-title">
      <h2 id="failures-title">Recent failures and cancels</h2>
      <form id="failure-filters" class="filters" aria-label="Filter the failures">
        <label>Kind <select id="filter-kind" name="kind"><option value="">any</option></select></label>
        <label>Error <select id="filter-code" name="code"><option value="">any</option></select></label>
        <label>Tenant <select id="filter-tenant" name="tenant"><option value="">any</option></select></label>
        <label>Ended <select id="filter-window" name="window">
          <option value="">any time</option>
          <option value="900000">in the last 15 min</option>
          <option value="3600000">in the last hour</option>
          <option value="21600000">in the last 6 h</option>
          <option value="86400000">in the last 24 h</option>
        </select></label>
        <button type="reset">Clear filters</button>
      </form>
      <p id="failure-count" class="muted" role="status"></p>
      <div id="failure-list"></div>
    </section>

    <section id="schedulers" aria-labelledby="schedulers-title">
      <h2 id="schedulers-title">Schedulers</h2>
      <div id="scheduler-list"></div>
    </section>
  </div>

  <div id="job-page" hidden>
    <p><a href="#" id="job-back">← All of the status</a></p>
    <h2><span id="job-title">Job</span> <span id="job-status" class="status"></span></h2>
    <p id="job-message" role="status" hidden></p>
    <button type="button" id="job-cancel" class="danger" hidden>Cancel this job…</button>

    <section aria-labelledby="job-view-title">
      <h3 id="job-view-title">The job</h3>
      <div id="job-facts"></div>
      <div id="job-stages"></div>
    </section>

    <section aria-labelledby="job-attempts-title">
      <h3 id="job-attempts-title">Placement history</h3>
      <div id="job-attempts"></div>
      <p class="hint">gpuq keeps only the current or last attempt’s placement (each attempt overwrites the job’s run record): an earlier attempt is listed only when this page saw it while open.</p>
    </section>

    <section aria-labelledby="job-events-title">
      <h3 id="job-events-title">Events, as they happen</h3>
      <ol id="job-events" class="events" aria-live="polite"></ol>
    </section>

    <section aria-labelledby="job-log-title">
      <h3 id="job-log-title">Worker log</h3>
      <p id="job-log-state" class="muted" role="status"></p>
      <pre id="job-log" class="log" tabindex="0"></pre>
    </section>
  </div>

  <dialog id="cancel-dialog" aria-labelledby="cancel-dialog-title">
    <h2 id="cancel-dialog-title">Cancel job <code id="cancel-dialog-job"></code>?</h2>
    <p>A queued job never runs; a running one is stopped within a second. This cannot be undone.</p>
    <button type="button" id="cancel-confirm" class="danger">Cancel the job</button>
    <button type="button" id="cancel-keep" autofocus>Keep it</button>
  </dialog>
</main>
</body>
</html>
`;
