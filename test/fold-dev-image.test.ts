// `npm run fold:dev-image` (scripts/fold-dev-image.mjs): the stand-in it builds carries the same
// strings as the tests' own (rendered by the same function from the scheduler's table), is labelled
// as a stand-in, and answers as Boltz's CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '@gpuq/testkit';
import { BOLTZ_ERRORS, BOLTZ_FILES, BOLTZ_LINES } from '../apps/scheduler/src/kinds/fold/boltz-contract.js';
import { renderBoltzStrings } from '../scripts/lib/boltz-stand-in.mjs';
import { fakeBoltzImageUnavailable } from './helpers/fake-boltz-image.js';

const SCRIPT = join(ROOT, 'scripts', 'fold-dev-image.mjs');
const engine = inject('docker');
const skipReason = 'unavailable' in engine ? engine.unavailable : fakeBoltzImageUnavailable();
const dockerEnv = { ...process.env, ...('socketPath' in engine ? { DOCKER_HOST: `unix://${engine.socketPath}` } : {}) };

describe('the fold stand-in image script', () => {
  it("puts in the strings the tests' stand-in uses: one for each entry of the scheduler's table of Boltz's, with its source", async () => {
    const printed = execFileSync(process.execPath, [SCRIPT, '--print-strings'], { encoding: 'utf8' });
    expect(printed).toBe(await renderBoltzStrings());
    // Rendered from the built table: it has every entry the source has, each beside its source.
    const entries = [...Object.values(BOLTZ_LINES), ...Object.values(BOLTZ_ERRORS), ...Object.values(BOLTZ_FILES)];
    expect(printed.split('\n').filter((line) => /^[LEF]_\w+=/.test(line))).toHaveLength(entries.length);
    for (const { source } of entries) expect(printed).toContain(`# ${source}`);
  });

  describe.skipIf(skipReason !== undefined)(`building the image${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    // A tag of its own, so a developer's gpuq/boltz2:stand-in is left alone.
    const tag = `gpuq-test/boltz2:stand-in-${randomUUID().slice(0, 8)}`;
    const docker = (...args: string[]) => spawnSync('docker', args, { env: dockerEnv, encoding: 'utf8' });

    afterAll(() => {
      docker('image', 'rm', '--force', tag);
    });

    it('builds an image labelled as a stand-in that runs as `boltz`', () => {
      const built = spawnSync(process.execPath, [SCRIPT, '--tag', tag], { env: dockerEnv, encoding: 'utf8' });
      expect(built.stderr).toContain(`[gpuq] built ${tag}: a stand-in for Boltz-2`);
      expect(built.status).toBe(0);
      const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', tag).stdout) as Record<string, string>;
      expect(labels['gpuq.stand-in']).toBe('true');
      expect(labels['org.opencontainers.image.title']).toMatch(/stand-in \(not Boltz/);
      // No arguments: Boltz's usage error, from the stand-in as the image's entrypoint.
      const run = docker('run', '--rm', '--network', 'none', tag);
      expect(run.stderr).toContain('Usage: boltz predict');
      expect(run.status).toBe(2);
    });
  });
});
