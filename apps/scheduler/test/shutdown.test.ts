// A scheduler's shutdown runs every step, whichever fails: a cancel listener that cannot close
// must not leave the queues' workers and the executors' containers and threads running.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { shutDownServices } from '../src/jobs/shutdown.js';
import type { SchedulerServices } from '../src/jobs/services.js';

function fakeServices(failing: ReadonlySet<string>) {
  const closed: string[] = [];
  const close = (name: string) => async () => {
    closed.push(name);
    if (failing.has(name)) throw new Error(`${name} would not close`);
  };
  const services = {
    log: pino({ level: 'silent' }),
    metrics: { isActive: { set: () => closed.push('metrics') } },
    monitor: { stop: () => closed.push('monitor') },
    health: { close: () => closed.push('health') },
    cancels: { close: close('cancels') },
    webhooks: { close: close('webhooks') },
    queues: new Map([
      ['solve', { close: close('queue solve') }],
      ['fold', { close: close('queue fold') }],
    ]),
    executors: new Map([
      ['solve', { close: close('executor solve') }],
      ['fold', { close: close('executor fold') }],
    ]),
  } as unknown as SchedulerServices;
  return { services, closed };
}

describe('shutDownServices', () => {
  it('closes everything in order, and throws every failure together once all steps ran', async () => {
    const { services, closed } = fakeServices(new Set(['cancels', 'queue solve']));
    const error = (await shutDownServices(services, true).catch((err: unknown) => err)) as AggregateError;
    expect(closed).toEqual(['metrics', 'monitor', 'health', 'cancels', 'webhooks', 'queue solve', 'queue fold', 'executor solve', 'executor fold']);
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).toEqual(['cancels would not close', '1 of 2 failed to close']);
  });

  it('leaves the queues’ Redis state alone after the lease was lost, closing the rest', async () => {
    const { services, closed } = fakeServices(new Set());
    await shutDownServices(services, false);
    expect(closed).toEqual(['metrics', 'monitor', 'health', 'cancels', 'webhooks', 'executor solve', 'executor fold']);
  });
});
