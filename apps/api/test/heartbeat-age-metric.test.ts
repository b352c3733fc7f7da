// gpuq_scheduler_heartbeat_age_seconds: computed by the API on each scrape from the heartbeats in
// Redis, so it keeps growing for a box whose scheduler died, and shows nothing it cannot read.
import { describe, expect, it } from 'vitest';
import type { SchedulerHeartbeat } from '@gpuq/shared';
import { createApiMetrics, heartbeatAgesByBox } from '../src/plugins/metrics.js';

const NOW = 1_800_000_000_000;
const beat = (boxId: string, secondsAgo: number, role: SchedulerHeartbeat['role'] = 'active'): SchedulerHeartbeat => ({ boxId, role, heartbeatAt: NOW - secondsAgo * 1000, pid: 1 });

async function scrapeAges(metrics: ReturnType<typeof createApiMetrics>): Promise<Record<string, number>> {
  const { values } = await metrics.heartbeatAge.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.box), v.value]));
}

describe('heartbeat ages by box', () => {
  it("takes the freshest of a box's schedulers: a crashed one's entry stays behind after a restart", () => {
    const ages = heartbeatAgesByBox({ 'box-a:1': beat('box-a', 600), 'box-a:2': beat('box-a', 3, 'standby'), 'box-b:1': beat('box-b', 45) }, NOW);
    expect(Object.fromEntries(ages)).toEqual({ 'box-a': 3, 'box-b': 45 });
  });

  it('reads a heartbeat from a clock ahead of ours as just now, never negative', () => {
    expect(heartbeatAgesByBox({ s: beat('box-a', -5) }, NOW).get('box-a')).toBe(0);
  });
});

describe('the heartbeat age gauge', () => {
  it('is read from the source on each scrape, so it grows while no new heartbeat comes', async () => {
    let now = NOW;
    const metrics = createApiMetrics({ now: () => now });
    metrics.setHeartbeatSource(async () => ({ s: beat('box-a', 10) }));
    expect(await scrapeAges(metrics)).toEqual({ 'box-a': 10 });
    now += 50_000;
    expect(await scrapeAges(metrics)).toEqual({ 'box-a': 60 });
  });

  it('drops boxes that are gone, and every value while the source cannot be read', async () => {
    const metrics = createApiMetrics({ now: () => NOW });
    let source: () => Promise<Record<string, SchedulerHeartbeat>> = async () => ({ a: beat('box-a', 1), b: beat('box-b', 2) });
    metrics.setHeartbeatSource(() => source());
    expect(await scrapeAges(metrics)).toEqual({ 'box-a': 1, 'box-b': 2 });
    source = async () => ({ a: beat('box-a', 1) });
    expect(await scrapeAges(metrics)).toEqual({ 'box-a': 1 });
    source = () => Promise.reject(new Error('redis is away'));
    expect(await scrapeAges(metrics)).toEqual({});
  });

  it('is declared on /metrics before any scheduler has written a heartbeat', async () => {
    const text = await createApiMetrics().registry.metrics();
    expect(text).toContain('# TYPE gpuq_scheduler_heartbeat_age_seconds gauge');
  });
});
