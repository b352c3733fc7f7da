// The monitoring config refers only to what gpuq really exports: every metric in the alert rules
// and the dashboard is declared by a running scheduler or API, the scrape jobs named in rules
// exist, and the new metrics (jobs finished, cost, heartbeat age) carry the values they claim.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { keys, type SchedulerHeartbeat } from '@gpuq/shared';
import { waitFor } from '@gpuq/testkit';
import { CONTRACTS_LP } from './fixtures/problems.js';
import { isExported, metricNamesIn, parseExposition, type Sample } from './helpers/promql.js';
import { Stack } from './helpers/stack.js';

const MONITORING = join(import.meta.dirname, '..', 'deploy', 'monitoring');
const readYaml = (path: string) => parse(readFileSync(join(MONITORING, path), 'utf8')) as unknown;

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
  panels?: Panel[];
}
interface ScrapeConfig {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  dns_sd_configs?: Array<{ names: string[]; port: number }>;
}

const prometheus = readYaml('prometheus/prometheus.yml') as { rule_files: string[]; scrape_configs: ScrapeConfig[] };
const alertGroups = readYaml('prometheus/alerts.yml') as { groups: Array<{ name: string; rules: Rule[] }> };
const rules = alertGroups.groups.flatMap((group) => group.rules);
const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana', 'dashboards', 'gpuq.json'), 'utf8')) as { uid: string; panels: Panel[] };
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const dashboardExprs = panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })));
const ruleExprs = rules.map((rule) => ({ alert: rule.alert, expr: rule.expr }));
const allExprs = [...ruleExprs.map((r) => r.expr), ...dashboardExprs.map((d) => d.expr)];

/** Prometheus durations: one or more number-unit pairs, largest unit first (1h30m). */
const DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

const targetsOf = (config: ScrapeConfig) => [
  ...(config.static_configs ?? []).flatMap((c) => c.targets),
  ...(config.dns_sd_configs ?? []).flatMap((c) => c.names.map((name) => `${name}:${c.port}`)),
];

describe('the PromQL reader', () => {
  it('finds the series in selectors and skips functions, aggregations, label lists, matchers and durations', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, kind) (rate(a_seconds_bucket{kind="x", code=~"b|c"}[5m]))) > 60 ' +
      'or absent(up{job="j"}) and on(instance) group_left(gpu) b_total offset 5m unless sum without (state) (c:ratio[$__rate_interval])';
    expect(metricNamesIn(expr)).toEqual(['a_seconds_bucket', 'up', 'b_total', 'c:ratio']);
  });

  it('refuses a function PromQL does not have, rather than reading it as a metric', () => {
    expect(() => metricNamesIn('rates(x[5m])')).toThrow(/unknown PromQL function rates/);
  });

  it('accepts a histogram’s series only when the family is a histogram', () => {
    const types = new Map([['h_seconds', 'histogram'], ['c_total', 'counter']]);
    expect(isExported('h_seconds_bucket', types)).toBe(true);
    expect(isExported('h_seconds_count', types)).toBe(true);
    expect(isExported('c_total_bucket', types)).toBe(false);
    expect(isExported('missing', types)).toBe(false);
  });
});

describe('the monitoring config files', () => {
  it('scrape the API and the scheduler by their compose service names and load the alerts', () => {
    expect(prometheus.rule_files).toContain('alerts.yml');
    const targets = prometheus.scrape_configs.flatMap(targetsOf);
    expect(targets).toEqual(expect.arrayContaining(['api:8080', 'scheduler:9464']));
    const jobNames = prometheus.scrape_configs.map((c) => c.job_name);
    expect(new Set(jobNames).size).toBe(jobNames.length);
  });

  it('have every alert the runbook expects, each with an expression, a duration, a severity and operator text', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'GpuqQueueBacklog',
        'GpuqJobFailureRateHigh',
        'GpuqRunTimeP95High',
        'GpuqGpuDrained',
        'GpuqSchedulerHeartbeatMissing',
        'GpuqVramEstimateOverruns',
        'GpuqSolveServerDown',
        'GpuqSchedulerDown',
      ]),
    );
    for (const rule of rules) {
      expect(rule.expr, rule.alert).toEqual(expect.any(String));
      expect(rule.for, rule.alert).toMatch(DURATION);
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.length, rule.alert).toBeGreaterThan(10);
      expect(rule.annotations?.description?.length, rule.alert).toBeGreaterThan(40);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('name only scrape jobs that prometheus.yml defines', () => {
    const jobNames = prometheus.scrape_configs.map((c) => c.job_name);
    const matchers = allExprs.flatMap((expr) => [...expr.matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g)].map((m) => ({ op: m[1]!, value: m[2]! })));
    expect(matchers.length).toBeGreaterThan(0);
    for (const { op, value } of matchers) {
      const matches = op === '=' ? jobNames.includes(value) : jobNames.some((name) => new RegExp(`^(?:${value})$`).test(name));
      expect(matches, `job${op}"${value}"`).toBe(true);
    }
  });

  it('give every dashboard panel a unique id and the provisioned Prometheus as data source', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const datasource = parse(readFileSync(join(MONITORING, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string; url: string }> };
    expect(datasource.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', url: 'http://prometheus:9090' })]);
    const provider = parse(readFileSync(join(MONITORING, 'grafana', 'provisioning', 'dashboards', 'gpuq.yml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> };
    expect(provider.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) })]);
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe('prometheus');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr, panel.title).toEqual(expect.any(String));
        expect(target.datasource?.uid ?? 'prometheus', panel.title).toBe('prometheus');
      }
    }
  });

  it('read at least one metric in every expression', () => {
    for (const expr of allExprs) expect(metricNamesIn(expr).length, expr).toBeGreaterThan(0);
  });
});

describe('against a running scheduler and API', () => {
  let stack: Stack;
  let schedulerMetricsUrl: string;
  const scrape = async (url: string) => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return parseExposition(await response.text());
  };
  const sampleOf = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  beforeAll(async () => {
    stack = await Stack.start();
    const starting = await stack.scheduler.waitForLog((l) => l.msg === 'scheduler starting', 'its metrics address');
    schedulerMetricsUrl = String(starting.metrics);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('exports every metric the alerts and the dashboard use, and counts a finished job with its cost', async () => {
    const done = await stack.waitForJob((await stack.submit({ kind: 'solve', input: CONTRACTS_LP })).id);
    expect(done.status, stack.logs()).toBe('succeeded');
    // The counters move after the job's state is written: wait for them, with a deadline.
    const scheduler = await waitFor(
      async () => {
        const page = await scrape(schedulerMetricsUrl);
        return sampleOf(page.samples, 'gpuq_jobs_finished_total', { kind: 'solve', outcome: 'succeeded' }) ? page : undefined;
      },
      { what: 'the scheduler to count the finished job' },
    );
    expect(sampleOf(scheduler.samples, 'gpuq_jobs_finished_total', { kind: 'solve', outcome: 'succeeded' })?.value).toBe(1);
    // The cost counted is the one the job's view shows: its GPU seconds at the configured rate.
    expect(done.cost.usd).toBeGreaterThan(0);
    expect(sampleOf(scheduler.samples, 'gpuq_job_cost_usd_total', { kind: 'solve' })?.value).toBeCloseTo(done.cost.usd, 12);

    const api = await scrape(`${stack.apiUrl}/metrics`);
    const types = new Map([...scheduler.types, ...api.types, ['up', 'gauge']]);
    const used = [...new Set(allExprs.flatMap(metricNamesIn))];
    expect(used).toEqual(expect.arrayContaining(['gpuq_jobs_finished_total', 'gpuq_job_cost_usd_total', 'gpuq_scheduler_heartbeat_age_seconds']));
    expect(used.filter((name) => !isExported(name, types))).toEqual([]);
  });

  it('serves each box’s scheduler heartbeat age from the API, also for a scheduler that is gone', async () => {
    const [live] = Object.values(await stack.heartbeats());
    // A scheduler that died two minutes ago left its heartbeat behind; the API reads it on scrape.
    const ghost: SchedulerHeartbeat = { boxId: 'ghost-box', role: 'active', heartbeatAt: Date.now() - 120_000, pid: 1 };
    await stack.redis().hset(keys.schedulers, 'ghost-scheduler', JSON.stringify(ghost));

    const { samples } = await scrape(`${stack.apiUrl}/metrics`);
    expect(sampleOf(samples, 'gpuq_scheduler_heartbeat_age_seconds', { box: 'ghost-box' })?.value).toBeGreaterThanOrEqual(120);
    // The live scheduler beats every leaseTtlMs / 3: well under the alert's 30 s.
    expect(sampleOf(samples, 'gpuq_scheduler_heartbeat_age_seconds', { box: live!.boxId })?.value).toBeLessThan(30);

    await stack.redis().hdel(keys.schedulers, 'ghost-scheduler');
    const after = await scrape(`${stack.apiUrl}/metrics`);
    expect(sampleOf(after.samples, 'gpuq_scheduler_heartbeat_age_seconds', { box: 'ghost-box' })).toBeUndefined();
  });
});
