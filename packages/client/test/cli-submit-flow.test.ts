import { describe, expect, it } from 'vitest';
import { submitFlagsOf, withEnvelope } from '../src/cli/submit-flow.js';

describe('submit options', () => {
  it('set the request’s envelope over the file’s own, merging labels and resources', () => {
    const flags = submitFlagsOf('submit', { priority: '80', 'vram-mb': '4096', timeout: '60', label: ['team=ml'], 'idempotency-key': 'k1', wait: true, 'wait-timeout': '30' });
    expect(flags).toEqual({ envelope: { priority: 80, vramMb: 4_096, timeoutSeconds: 60, labels: { team: 'ml' } }, idempotencyKey: 'k1', isWait: true, waitTimeoutS: 30, isJson: false });
    const fromFile = { kind: 'solve', input: {}, priority: 10, labels: { env: 'prod', team: 'ops' }, resources: { vramMb: 1_024 }, maxAttempts: 2 };
    expect(withEnvelope(fromFile, flags.envelope)).toEqual({
      kind: 'solve',
      input: {},
      priority: 80,
      timeoutSeconds: 60,
      maxAttempts: 2,
      labels: { env: 'prod', team: 'ml' },
      resources: { vramMb: 4_096 },
    });
  });

  it('leave the request as it is when none is given, with a fresh idempotency key each time', () => {
    const [a, b] = [submitFlagsOf('submit', {}), submitFlagsOf('submit', {})];
    expect(a.envelope).toEqual({});
    expect(a.idempotencyKey).not.toBe(b.idempotencyKey);
    expect(withEnvelope({ kind: 'solve', input: { x: 1 } }, a.envelope)).toEqual({ kind: 'solve', input: { x: 1 } });
  });
});
