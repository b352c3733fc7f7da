// Why fold jobs are not served when the Boltz image is missing: the reason (which the API's 422
// kind_not_served carries) says how to build the real image and the stand-in. The Docker engine here
// is a fake on a Unix socket that answers the ping and knows no images.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@gpuq/runtime';
import { DockerExecutorConfig } from '@gpuq/shared';
import { DockerExecutor } from '../src/executors/docker.js';
import { foldContainer } from '../src/kinds/fold/fold-container.js';

const log = createLogger('fold-image-missing-test', process.env.TEST_LOG_LEVEL ?? 'silent');

describe('a fold executor whose image is not on this machine', () => {
  let dir: string;
  let engine: Server;
  let socketPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpuq-fake-engine-'));
    socketPath = join(dir, 'docker.sock');
    engine = createServer((req, res) => {
      if (req.url?.endsWith('/_ping')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `No such image` }));
      }
    });
    await new Promise<void>((resolve) => engine.listen(socketPath, resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => engine.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const reasonFor = (image: string) =>
    new DockerExecutor(DockerExecutorConfig.parse({ type: 'docker', image, socketPath }), foldContainer, join(dir, 'artifacts'), 'box', log).check();

  it('says how to build the real Boltz-2 image and the stand-in', async () => {
    const reason = await reasonFor('gpuq/boltz2:2.2.0');
    expect(reason).toMatch(/^the image gpuq\/boltz2:2\.2\.0 is not on this machine: /);
    expect(reason).toContain('`docker build -t gpuq/boltz2:2.2.0 deploy/images/boltz2`');
    expect(reason).toContain('`npm run fold:dev-image`');
    expect(reason).not.toContain('kinds.fold.executor.image');
  });

  it('says to name the built image in config when config names another', async () => {
    const reason = await reasonFor('registry.example.com/boltz2:custom');
    expect(reason).toMatch(/^the image registry\.example\.com\/boltz2:custom is not on this machine: /);
    expect(reason).toContain('`docker build -t gpuq/boltz2:2.2.0 deploy/images/boltz2`');
    expect(reason).toContain('name it in kinds.fold.executor.image');
    expect(reason).toContain('`npm run fold:dev-image`');
  });
});
