// The status page's stylesheet (a string module, so it ships inside dist/). Each bar part has a
// colour and a pattern; the numbers beside each bar say the same without either.

export const STATUS_PAGE_STYLE = `
:root { color-scheme: light; --ink: #1a202c; --muted: #4a5568; --line: #cbd5e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f7fafc; }
header { display: flex; gap: 1rem; align-items: baseline; padding: 0.75rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 1.25rem; }
#updated { margin: 0; color: var(--muted); flex: 1; }
header nav { font-size: 0.9em; }
main { padding: 1rem 1.25rem; max-width: 80rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin-bottom: 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
button { font: inherit; padding: 0.3rem 0.8rem; }
code { font-size: 0.9em; }
.error { color: #9b2c2c; background: #fff5f5; border: 1px solid #feb2b2; padding: 0.5rem 0.75rem; border-radius: 4px; }
.muted { color: var(--muted); }

#key-form { max-width: 30rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem; }
#key-form label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
#key-form input { width: 100%; font: inherit; padding: 0.4rem; margin-bottom: 0.5rem; }
#key-form-message:empty { display: none; }
#key-form-message { color: #9b2c2c; }
.hint { color: var(--muted); font-size: 0.9em; }

.legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; margin: 0 0 0.75rem; font-size: 0.9em; }
.legend div { display: flex; gap: 0.35rem; }
.legend dt { font-weight: 600; white-space: nowrap; }
.legend dd { margin: 0; color: var(--muted); }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; vertical-align: -0.1em; border: 1px solid #718096; }

.box { margin-bottom: 1rem; }
.box h3 { margin-top: 0.25rem; }
.gpu { border-top: 1px solid #edf2f7; padding: 0.5rem 0; }
.gpu h4 { margin: 0 0 0.35rem; font-size: 1rem; }
.gpu h4 .muted { font-weight: normal; }
.bar { display: flex; height: 1.6rem; border: 1px solid #718096; border-radius: 3px; overflow: hidden; background: #fff; }
.bar span { display: block; height: 100%; min-width: 0; }
.part-used { background: #2b6cb0; }
.part-reserved { background: repeating-linear-gradient(45deg, #90cdf4 0 6px, #bee3f8 6px 12px); }
.part-over { background: repeating-linear-gradient(-45deg, #c53030 0 4px, #feb2b2 4px 8px); }
.part-not-ours { background: repeating-linear-gradient(90deg, #718096 0 3px, #a0aec0 3px 6px); }
.part-headroom { background: repeating-linear-gradient(0deg, #e2e8f0 0 3px, #edf2f7 3px 6px); }
.part-free { background: #f0fff4; }
.numbers { display: flex; flex-wrap: wrap; gap: 0.1rem 1.1rem; margin: 0.35rem 0; font-size: 0.9em; }
.numbers div { display: flex; gap: 0.3rem; }
.numbers dt { color: var(--muted); }
.numbers dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
.drained { color: #9b2c2c; font-weight: 600; }

table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.25rem 0 0.5rem; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.2rem; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #edf2f7; vertical-align: top; }
th { font-weight: 600; background: #f7fafc; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap; }
.state-up { color: #276749; font-weight: 600; }
.state-down { color: #9b2c2c; font-weight: 600; }

.filters { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin-bottom: 0.25rem; }
.filters label { font-size: 0.9em; }
.filters select { font: inherit; margin-left: 0.25rem; }

#chart-list { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0.75rem; }
.chart-figure { margin: 0; }
.chart-figure figcaption { font-weight: 600; font-size: 0.9em; }
.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: #e2e8f0; stroke-width: 1; }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .line { fill: none; stroke-width: 2; }
.chart .dashed, .swatch.dashed { stroke-dasharray: 5 3; opacity: 0.8; }
.chart-legend { list-style: none; padding: 0; margin: 0.2rem 0 0; display: flex; flex-wrap: wrap; gap: 0.1rem 1rem; font-size: 0.85em; }
.chart .series-0 { stroke: #2b6cb0; fill: #2b6cb0; } .swatch.series-0 { background: #2b6cb0; }
.chart .series-1 { stroke: #c05621; fill: #c05621; } .swatch.series-1 { background: #c05621; }
.chart .series-2 { stroke: #2f855a; fill: #2f855a; } .swatch.series-2 { background: #2f855a; }
.chart .series-3 { stroke: #6b46c1; fill: #6b46c1; } .swatch.series-3 { background: #6b46c1; }
.chart .series-4 { stroke: #b83280; fill: #b83280; } .swatch.series-4 { background: #b83280; }
.chart .series-5 { stroke: #2c7a7b; fill: #2c7a7b; } .swatch.series-5 { background: #2c7a7b; }
.chart .series-6 { stroke: #975a16; fill: #975a16; } .swatch.series-6 { background: #975a16; }
.chart .series-7 { stroke: #4a5568; fill: #4a5568; } .swatch.series-7 { background: #4a5568; }
.chart .line.series-0, .chart .line.series-1, .chart .line.series-2, .chart .line.series-3,
.chart .line.series-4, .chart .line.series-5, .chart .line.series-6, .chart .line.series-7 { fill: none; }
.swatch.dashed { background-image: repeating-linear-gradient(90deg, transparent 0 3px, #fff 3px 5px); }

#job-page section { margin-top: 0.75rem; }
#job-page h2 { font-size: 1.2rem; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.status { font-family: system-ui, sans-serif; font-size: 0.8em; padding: 0.1rem 0.5rem; border-radius: 999px; background: #edf2f7; }
.status-running { background: #bee3f8; } .status-succeeded { background: #c6f6d5; }
.status-failed { background: #fed7d7; } .status-cancelled { background: #feebc8; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0; }
.facts div { display: contents; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.events { max-height: 16rem; overflow: auto; margin: 0; padding-left: 1.5rem; font-size: 0.9em; }
.events time { font-variant-numeric: tabular-nums; color: var(--muted); }
.log { max-height: 24rem; overflow: auto; background: #1a202c; color: #e2e8f0; padding: 0.5rem 0.75rem; border-radius: 4px; font-size: 0.85em; white-space: pre-wrap; min-height: 2rem; }
.notice { color: #22543d; background: #f0fff4; border: 1px solid #9ae6b4; padding: 0.5rem 0.75rem; border-radius: 4px; }
button.danger { background: #c53030; color: #fff; border: 1px solid #9b2c2c; border-radius: 4px; }
dialog { border: 1px solid var(--line); border-radius: 6px; max-width: 32rem; }
dialog::backdrop { background: rgba(26, 32, 44, 0.4); }
`;
