import { describe, expect, it } from 'vitest';
import { AppProcess } from '../src/index.js';

const SCRIPT = 'packages/testkit/test/fixtures/exits-early.mjs';

describe('AppProcess.waitForLog', () => {
  it('finds a line the process wrote before it exited', async () => {
    const app = new AppProcess('early', SCRIPT, {});
    expect(await app.waitForLog((l) => l.msg === 'starting', 'starting')).toMatchObject({ msg: 'starting' });
    await app.exited;
  });

  it('fails as soon as the process exits without the line, with its last words', async () => {
    const app = new AppProcess('early', SCRIPT, {});
    const startedAt = Date.now();
    const waiting = app.waitForLog((l) => l.msg === 'ready', 'ready', 30_000);
    await expect(waiting).rejects.toThrow(/^early exited \(code 3\) before ready; its last lines:\n.*starting.*\nError: listen EADDRINUSE/s);
    // Long before its 30 s deadline.
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  });
});
