import { describe, expect, it } from 'vitest';
import { formatPath, GpuqConfig, JOB_ID_PATTERN, kindOfJobId, newJobId } from '../src/index.js';

describe('job ids', () => {
  it('carry their kind and sort by creation time', () => {
    const earlier = newJobId('solve', 1_700_000_000_000);
    const later = newJobId('solve', 1_700_000_000_001);
    expect(earlier).toMatch(JOB_ID_PATTERN);
    expect(kindOfJobId(earlier)).toBe('solve');
    expect(earlier < later).toBe(true);
  });

  it('are never the same twice in the same millisecond, and sort in the order they were made', () => {
    const ids = Array.from({ length: 1000 }, () => newJobId('solve', 1));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    // A new millisecond starts from fresh randomness, still after the previous one.
    const next = newJobId('solve', 2);
    expect(next > ids.at(-1)!).toBe(true);
  });

  it('are not recognised when malformed', () => {
    expect(kindOfJobId('solve_short')).toBeUndefined();
    expect(kindOfJobId('../../etc/passwd')).toBeUndefined();
  });
});

describe('GpuqConfig', () => {
  it('fills every default from an empty file', () => {
    const config = GpuqConfig.parse({});
    expect(config.gpus).toBeUndefined();
    expect(config.scheduler).toMatchObject({ policy: 'best-fit', windowPerKind: 32 });
    // Solve jobs go to solver-cpu on this machine, a CPU server solving one at a time.
    expect(config.kinds.solve).toMatchObject({ maxAttempts: 3, servers: [{ name: 'solver-cpu', url: 'http://127.0.0.1:5000', slots: 1, problems: ['lp', 'milp'] }] });
    expect(config.kinds.solve.executor).toBeUndefined();
    expect(config.kinds.inference).toMatchObject({ maxTexts: 256, models: { default: { url: 'http://127.0.0.1:5100' } }, stageTimeouts: { preprocessS: 10, inferenceS: 120, postprocessS: 10 } });
  });

  it('makes a solve server with GPUs a cuOpt server: one slot per GPU, every problem', () => {
    const config = GpuqConfig.parse({ kinds: { solve: { servers: [{ name: 'cuopt', url: 'http://127.0.0.1:8000', gpus: ['gpu0', 'gpu1'] }, { name: 'cpu', url: 'http://127.0.0.1:5000', slots: 4 }] } } });
    expect(config.kinds.solve.servers).toMatchObject([
      { name: 'cuopt', slots: 2, problems: ['lp', 'milp', 'vrp'], sharesGpus: false },
      { name: 'cpu', slots: 4, problems: ['lp', 'milp'] },
    ]);
  });

  it('refuses solve servers and an executor together, slots on a cuOpt server, and two servers of one name', () => {
    const issues = (solve: unknown) => GpuqConfig.safeParse({ kinds: { solve } }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    const server = { name: 'a', url: 'http://127.0.0.1:8000' };
    expect(issues({ servers: [server], executor: { type: 'http', url: 'http://127.0.0.1:5000' } })).toEqual([['kinds.solve.executor', 'give servers or an executor, not both']]);
    expect(issues({ servers: [{ ...server, gpus: ['gpu0'], slots: 2 }] })).toEqual([
      ['kinds.solve.servers.0.slots', 'a cuOpt server (with gpus) solves one request per GPU; slots is for CPU servers'],
    ]);
    expect(issues({ servers: [server, server] })).toEqual([['kinds.solve.servers', 'server names must be unique']]);
  });

  it('merges a partial kind over its defaults', () => {
    const config = GpuqConfig.parse({ kinds: { solve: { defaultVramMb: 4096, executor: { type: 'http', url: 'http://127.0.0.1:6000' } } } });
    expect(config.kinds.solve.defaultVramMb).toBe(4096);
    expect(config.kinds.solve.defaultTimeoutSeconds).toBe(600);
    expect(config.kinds.solve.executor).toMatchObject({ maxPollIntervalMs: 500 });
  });

  it('refuses duplicate GPU ids, unknown fields and a default timeout above the maximum', () => {
    expect(GpuqConfig.safeParse({ gpus: [{ id: 'a', vramMb: 1 }, { id: 'a', vramMb: 2 }] }).success).toBe(false);
    expect(GpuqConfig.safeParse({ sheduler: {} }).success).toBe(false);
    expect(GpuqConfig.safeParse({ kinds: { solve: { defaultTimeoutSeconds: 10, maxTimeoutSeconds: 5 } } }).success).toBe(false);
  });
});

describe('formatPath', () => {
  it('writes paths as they read in JSON', () => {
    expect(formatPath(['input', 'constraint_bounds', 'bounds', 3])).toBe('input.constraint_bounds.bounds[3]');
    expect(formatPath([])).toBe('(body)');
  });
});
