// The test image for fold jobs: the Boltz stand-in (fakes/boltz/boltz) with the strings it prints,
// built as `npm run fold:dev-image` builds it (scripts/lib/boltz-stand-in.mjs: a busybox root
// filesystem, `docker import`, since no registry can be reached). Tagged by its content, so it is
// built once per change.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStandInImage, renderBoltzStrings, standInUnavailable } from '../../scripts/lib/boltz-stand-in.mjs';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), '..', 'fakes', 'boltz', 'boltz');

/** Why the image cannot be built here, or undefined when it can. */
export function fakeBoltzImageUnavailable(): string | undefined {
  return standInUnavailable();
}

export async function fakeBoltzImage(): Promise<string> {
  const tag = `gpuq-test/boltz2:${createHash('sha256').update(readFileSync(STAND_IN)).update(await renderBoltzStrings()).digest('hex').slice(0, 12)}`;
  try {
    execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
    return tag;
  } catch {
    // not built yet
  }
  return buildStandInImage(tag);
}
