import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProcess, startListening } from '../src/index.js';

const SCRIPT = 'packages/testkit/test/fixtures/listens.mjs';
const started: AppProcess[] = [];
const fixture = (port: number) => {
  const app = new AppProcess('fixture', SCRIPT, { PORT: String(port) });
  started.push(app);
  return app;
};

/** A server of this process on a free port, as another program holding it. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.stop()));
});

describe('startListening', () => {
  it('starts the server on a port the system picks, and answers with the port from its ready line', async () => {
    const app = await startListening(fixture, { readyMsg: 'fixture ready' });
    expect(app.port).toBeGreaterThan(0);
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    expect(await (await fetch(app.url)).text()).toBe('fixture');
  });

  it('restarts on the port the server had once another process releases it', async () => {
    const held = await holdPort();
    setTimeout(() => held.server.close(), 500);
    const app = await startListening(fixture, { readyMsg: 'fixture ready', port: held.port });
    expect(app.port).toBe(held.port);
    expect(started.length).toBeGreaterThan(1); // the first tries exited with EADDRINUSE
    expect(await (await fetch(app.url)).text()).toBe('fixture');
  });

  it('fails, with the server’s last words, when the port is still held at the deadline', async () => {
    const held = await holdPort();
    try {
      await expect(startListening(fixture, { readyMsg: 'fixture ready', port: held.port, timeoutMs: 1_000 })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      held.server.close();
    }
  });
});
