// The last hour as line charts (queued and running jobs per kind, VRAM per GPU), sampled by this
// page on each refresh while it is open: gpuq keeps no time series, and the page says so on each
// chart. At most an hour of samples is kept (720 at the default 5 s), so memory stays bounded.
// Inline SVG built with DOM calls; colours come from the stylesheet's classes.
/* eslint-disable @typescript-eslint/no-unused-vars -- what this file declares is used by the page's other files, joined with it into one script (src/ui/status-page-script.ts) */

/** One refresh's numbers, by series name. */
interface Sample {
  at: number;
  queued: Record<string, number>;
  running: Record<string, number>;
  /** Per GPU (`box/gpu`): in use as the driver reports (ours and not ours), and reserved by our jobs, in MiB. */
  vramInUseMb: Record<string, number>;
  vramReservedMb: Record<string, number>;
}

interface Series {
  name: string;
  points: ReadonlyArray<readonly [at: number, value: number]>;
  /** A second line style for the same colour (a GPU's reservation beside its use). */
  isDashed?: boolean;
  colour: number;
}

const CHART_WINDOW_MS = 60 * 60 * 1000;
/** A hard cap besides the hour, for a page asked to refresh every second. */
const MAX_SAMPLES = 3_600;
const samples: Sample[] = [];

function addSample(boxes: readonly GpuBox[], status: SystemStatus, at: number) {
  const sample: Sample = { at, queued: {}, running: {}, vramInUseMb: {}, vramReservedMb: {} };
  for (const [kind, counts] of Object.entries(status.queues)) {
    sample.queued[kind] = counts.queued;
    sample.running[kind] = counts.running;
  }
  for (const box of boxes) {
    for (const gpu of box.gpus) {
      sample.vramInUseMb[box.boxId + '/' + gpu.id] = gpu.usedByUsMb + gpu.notOursMb;
      sample.vramReservedMb[box.boxId + '/' + gpu.id] = gpu.reservedMb;
    }
  }
  samples.push(sample);
  while (samples.length > MAX_SAMPLES || (samples.length > 0 && samples[0]!.at < at - CHART_WINDOW_MS)) samples.shift();
}

/** Every series a field of the samples holds, in the order their names first appear. */
function seriesOf(field: 'queued' | 'running' | 'vramInUseMb' | 'vramReservedMb', scale = 1): Series[] {
  const names: string[] = [];
  for (const sample of samples) for (const name of Object.keys(sample[field])) if (!names.includes(name)) names.push(name);
  return names.map((name, colour) => ({
    name,
    colour,
    points: samples.flatMap((s) => {
      const value = s[field][name];
      return value === undefined ? [] : [[s.at, value / scale] as const];
    }),
  }));
}

const CHART = { width: 640, height: 180, left: 44, right: 12, top: 10, bottom: 24 };

function lineChart(id: string, title: string, unit: string, series: readonly Series[], now: number): HTMLElement {
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const from = now - CHART_WINDOW_MS;
  const highest = Math.max(1, ...series.flatMap((s) => s.points.map(([, v]) => v)));
  // A round top for the axis: 1, 2 or 5 times a power of ten.
  const step = 10 ** Math.floor(Math.log10(highest));
  const top = [1, 2, 5, 10].map((m) => m * step).find((t) => t >= highest) ?? highest;
  const x = (at: number) => CHART.left + (Math.max(0, at - from) / CHART_WINDOW_MS) * plotWidth;
  const y = (value: number) => CHART.top + plotHeight - (value / top) * plotHeight;
  const decimals = unit === 'GiB' ? 1 : 0;

  const grid = [0, 0.5, 1].flatMap((f) => [
    svg('line', { x1: CHART.left, x2: CHART.left + plotWidth, y1: y(top * f), y2: y(top * f), class: 'grid' }),
    svg('text', { x: CHART.left - 4, y: y(top * f) + 4, class: 'axis', 'text-anchor': 'end', text: (top * f).toFixed(decimals) }),
  ]);
  const ticks = [
    [from, '−60 min', 'start'],
    [from + CHART_WINDOW_MS / 2, '−30 min', 'middle'],
    [now, 'now', 'end'],
  ] as const;
  const axis = ticks.map(([at, label, anchor]) => svg('text', { x: x(at), y: CHART.height - 6, class: 'axis', 'text-anchor': anchor, text: label }));
  const lines = series.flatMap((s) => {
    const last = s.points[s.points.length - 1];
    return [
      svg('polyline', {
        class: 'line series-' + (s.colour % 8) + (s.isDashed ? ' dashed' : ''),
        points: s.points.map(([at, v]) => x(at).toFixed(1) + ',' + y(v).toFixed(1)).join(' '),
        'data-series': s.name + (s.isDashed ? ' reserved' : ''),
        'data-points': s.points.length,
      }),
      last ? svg('circle', { cx: x(last[0]), cy: y(last[1]), r: 3, class: 'dot series-' + (s.colour % 8) }) : null,
    ];
  });
  const latest = series.map((s) => {
    const last = s.points[s.points.length - 1];
    return s.name + (s.isDashed ? ' reserved' : '') + ' ' + (last ? last[1].toFixed(decimals) : '?') + ' ' + unit;
  });
  const chart = svg(
    'svg',
    { viewBox: '0 0 ' + CHART.width + ' ' + CHART.height, class: 'chart', role: 'img', 'aria-label': title + ' over the last hour; now: ' + (latest.join(', ') || 'no data') },
    [...grid, ...axis, ...lines],
  );
  const legend = el(
    'ul',
    { className: 'chart-legend' },
    series.map((s, i) => el('li', {}, [el('span', { className: 'swatch series-' + (s.colour % 8) + (s.isDashed ? ' dashed' : ''), 'aria-hidden': 'true' }), latest[i]!])),
  );
  return el('figure', { className: 'chart-figure', id }, [el('figcaption', { text: title + ' (' + unit + ')' }), chart, legend]);
}

function renderCharts(now: number, everyS: number) {
  const first = samples[0];
  const note = first
    ? 'Sampled by this page every ' + everyS + ' s while it is open, since ' + clock(first.at) + ' (' + plural(samples.length, 'sample') + '): gpuq keeps no history, so a new tab starts empty.'
    : 'No samples yet.';
  const gib1024 = 1024;
  const vram = [...seriesOf('vramInUseMb', gib1024), ...seriesOf('vramReservedMb', gib1024).map((s) => ({ ...s, isDashed: true }))];
  byId('chart-note').textContent = note;
  byId('chart-list').replaceChildren(
    lineChart('chart-queued', 'Queued jobs by kind', 'jobs', seriesOf('queued'), now),
    lineChart('chart-running', 'Running jobs by kind', 'jobs', seriesOf('running'), now),
    lineChart('chart-vram', 'VRAM per GPU: in use (solid) and reserved (dashed)', 'GiB', vram, now),
  );
}
