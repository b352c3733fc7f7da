// The test image for fold jobs: a busybox root filesystem holding the Boltz stand-in
// (fakes/boltz/boltz) as /usr/local/bin/boltz and the strings it prints, rendered from the table of
// Boltz's own (fakes/boltz/boltz-strings.ts), made with `docker import` since no registry can be
// reached. Tagged by their content, so it is built once per change.
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBoltzStrings } from '../fakes/boltz/boltz-strings.js';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), '..', 'fakes', 'boltz', 'boltz');
const BUSYBOX = '/bin/busybox';

/** Why the image cannot be built here, or undefined when it can. */
export function fakeBoltzImageUnavailable(): string | undefined {
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  // A dynamically linked busybox needs a loader and libc, which the image does not have.
  if (hasInterpreter(readFileSync(BUSYBOX))) return `${BUSYBOX} is not statically linked (apt-get install busybox-static)`;
  return undefined;
}

/** Whether a 64-bit little-endian ELF file names a program interpreter (a PT_INTERP header). */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const offset = Number(elf.readBigUInt64LE(0x20));
  const size = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  for (let i = 0; i < count; i++) if (elf.readUInt32LE(offset + i * size) === 3) return true;
  return false;
}

export function fakeBoltzImage(): string {
  const script = readFileSync(STAND_IN);
  const strings = renderBoltzStrings();
  const tag = `gpuq-test/boltz2:${createHash('sha256').update(script).update(strings).digest('hex').slice(0, 12)}`;
  try {
    execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
    return tag;
  } catch {
    // not built yet
  }
  const rootfs = mkdtempSync(join(tmpdir(), 'gpuq-boltz-rootfs-'));
  try {
    for (const dir of ['bin', 'usr/local/bin', 'usr/local/share/boltz', 'tmp', 'job']) mkdirSync(join(rootfs, dir), { recursive: true });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
    chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
    }
    copyFileSync(STAND_IN, join(rootfs, 'usr', 'local', 'bin', 'boltz'));
    chmodSync(join(rootfs, 'usr', 'local', 'bin', 'boltz'), 0o755);
    writeFileSync(join(rootfs, 'usr', 'local', 'share', 'boltz', 'strings.sh'), strings, { mode: 0o644 });
    execSync(
      `tar -C '${rootfs}' -c . | docker import --change 'ENTRYPOINT ["/usr/local/bin/boltz"]' --change 'ENV PATH=/usr/local/bin:/bin' --change 'WORKDIR /job' - '${tag}'`,
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return tag;
}
