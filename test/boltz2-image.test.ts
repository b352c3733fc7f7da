// The boltz2 image (deploy/images/boltz2) as far as a machine without a GPU or a registry can check
// it: its pinned packages satisfy boltz 2.2.0, its build makes the cache before Boltz's download and
// proves it complete offline, its entry point refuses an image without what `boltz predict` would
// download, and it runs as a non-root user. The image itself is built and run on a GPU box (the
// Dockerfile's header says how).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const IMAGE = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'images', 'boltz2');
const read = (file: string) => readFileSync(join(IMAGE, file), 'utf8');
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** boltz 2.2.0's requirements (pyproject.toml at tag v2.2.0, its [cuda] extra included), by normalized name. */
const BOLTZ_REQUIRES: Record<string, string> = {
  torch: '>=2.2',
  numpy: '>=1.26,<2.0',
  'hydra-core': '==1.3.2',
  'pytorch-lightning': '==2.5.0',
  rdkit: '>=2024.3.2',
  'dm-tree': '==0.1.8',
  requests: '==2.32.3',
  pandas: '>=2.2.2',
  'types-requests': '',
  einops: '==0.8.0',
  einx: '==0.3.0',
  fairscale: '==0.4.13',
  mashumaro: '==3.14',
  modelcif: '==1.2',
  wandb: '==0.18.7',
  click: '==8.1.7',
  pyyaml: '==6.0.2',
  biopython: '==1.84',
  scipy: '==1.13.1',
  numba: '==0.61.0',
  gemmi: '==0.6.5',
  'scikit-learn': '==1.6.1',
  'chembl-structure-pipeline': '==1.2.2',
  'cuequivariance-ops-cu12': '>=0.5.0',
  'cuequivariance-ops-torch-cu12': '>=0.5.0',
  'cuequivariance-torch': '>=0.5.0',
};

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
const versionParts = (v: string) => v.split(/[.+]/).map((p) => Number.parseInt(p, 10) || 0);
function compare(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
function satisfies(version: string, spec: string): boolean {
  return spec
    .split(',')
    .filter(Boolean)
    .every((clause) => {
      const [, op, want] = /^(==|>=|<=|<|>)(.+)$/.exec(clause.trim())!;
      const c = compare(version, want!);
      return op === '==' ? c === 0 : op === '>=' ? c >= 0 : op === '<=' ? c <= 0 : op === '<' ? c < 0 : c > 0;
    });
}

describe('the pinned packages (requirements.lock)', () => {
  const pins = read('requirements.lock')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('pins every package to one version, each named once', () => {
    for (const pin of pins) expect(pin).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][A-Za-z0-9.+]*$/);
    const names = pins.map((p) => normalize(p.split('==')[0]!));
    expect(new Set(names).size).toBe(names.length);
  });

  it('holds boltz 2.2.0 and a version of each of its requirements that it accepts', () => {
    const versions = new Map(pins.map((p) => [normalize(p.split('==')[0]!), p.split('==')[1]!]));
    expect(versions.get('boltz')).toBe('2.2.0');
    for (const [name, spec] of Object.entries(BOLTZ_REQUIRES)) {
      expect(versions.has(name), `${name} is not pinned`).toBe(true);
      expect(satisfies(versions.get(name)!, spec), `${name}==${versions.get(name)} against ${spec}`).toBe(true);
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const steps = dockerfile.replace(/\\\n/g, ' ').split('\n').filter((l) => /^[A-Z]+ /.test(l));
  const index = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s));

  it('installs exactly the pinned packages, and checks them', () => {
    expect(steps[index(/requirements\.lock/) + 1] ?? '').toMatch(/pip install --no-deps .*-r \/opt\/gpuq\/requirements\.lock .*pip check/);
  });

  it('makes the cache directory before Boltz’s download, which does not make it', () => {
    const download = steps.find((s) => s.includes('download_boltz2'))!;
    expect(download.indexOf('mkdir -p "$BOLTZ_CACHE"')).toBeGreaterThan(-1);
    expect(download.indexOf('mkdir -p "$BOLTZ_CACHE"')).toBeLessThan(download.indexOf('download_boltz2'));
  });

  it('ends the build with an offline check of the cache, after the download', () => {
    const check = index(/^RUN --network=none python \/opt\/gpuq\/check_cache\.py --with-boltz "\$BOLTZ_CACHE"/);
    expect(check).toBeGreaterThan(index(/download_boltz2/));
  });

  it('runs as uid 1000, with a writable /job', () => {
    expect(steps.filter((s) => s.startsWith('USER '))).toEqual(['USER 1000:1000']);
    expect(steps.find((s) => s.includes('useradd'))).toMatch(/chown 1000:1000 \/job/);
  });
});

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);

describe.skipIf(!python)(`the offline cache check (check_cache.py)${python ? '' : ' (skipped: no python3 here)'}`, () => {
  let cache: string;
  afterEach(() => rmSync(dirname(cache), { recursive: true, force: true }));

  /** A cache as download_boltz2 leaves it: mols.tar, mols/ with the canonical residues, both checkpoints (zip archives). */
  function completeCache(): string {
    cache = join(mkdtempSync(join(tmpdir(), 'gpuq-boltz-cache-')), 'cache');
    mkdirSync(join(cache, 'mols'), { recursive: true });
    writeFileSync(join(cache, 'mols.tar'), 'tar');
    for (const r of ['ALA', 'ARG', 'ASN', 'ASP', 'CYS', 'GLN', 'GLU', 'GLY', 'HIS', 'ILE', 'LEU', 'LYS', 'MET', 'PHE', 'PRO', 'SER', 'THR', 'TRP', 'TYR', 'VAL', 'UNK']) {
      writeFileSync(join(cache, 'mols', `${r}.pkl`), 'pickle');
    }
    // The smallest zip archive: an end-of-central-directory record alone.
    const emptyZip = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...Array<number>(18).fill(0)]);
    for (const ckpt of ['boltz2_conf.ckpt', 'boltz2_aff.ckpt']) writeFileSync(join(cache, ckpt), emptyZip);
    return cache;
  }
  const check = (dir: string) => spawnSync(python!, [join(IMAGE, 'check_cache.py'), dir], { encoding: 'utf8' });

  it('passes a complete cache', () => {
    const result = check(completeCache());
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails, naming the file, when Boltz would download something: mols/ included', () => {
    const dir = completeCache();
    rmSync(join(dir, 'mols', 'UNK.pkl'));
    rmSync(join(dir, 'boltz2_aff.ckpt'));
    const result = check(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'mols', 'UNK.pkl')} is missing: boltz predict would download it`);
    expect(result.stderr).toContain(`${join(dir, 'boltz2_aff.ckpt')} is missing`);
    rmSync(join(dir, 'mols'), { recursive: true });
    expect(check(dir).stderr).toContain(`${join(dir, 'mols')} is missing`);
  });

  it('fails on a checkpoint an interrupted download left, and on files the container’s user cannot read', () => {
    const dir = completeCache();
    writeFileSync(join(dir, 'boltz2_conf.ckpt'), 'PK\x03\x04 half a checkpoint');
    chmodSync(join(dir, 'mols', 'ALA.pkl'), 0o600);
    truncateSync(join(dir, 'mols.tar'), 0);
    const result = check(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('boltz2_conf.ckpt is not a whole checkpoint');
    expect(result.stderr).toContain('ALA.pkl is not readable by every user');
    expect(result.stderr).toContain('mols.tar is empty');
  });
});

describe('the entry point (entrypoint.sh)', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** The entry point with a `boltz` that prints its arguments, over a cache with the given files. */
  function run(files: string[], args: string[]) {
    root = mkdtempSync(join(tmpdir(), 'gpuq-boltz-entry-'));
    const cache = join(root, 'cache');
    for (const file of files) {
      mkdirSync(dirname(join(cache, file)), { recursive: true });
      writeFileSync(join(cache, file), 'x');
    }
    mkdirSync(join(root, 'bin'));
    writeFileSync(join(root, 'bin', 'boltz'), '#!/bin/sh\necho "boltz $*"\n', { mode: 0o755 });
    return spawnSync('sh', [join(IMAGE, 'entrypoint.sh'), ...args], { encoding: 'utf8', env: { PATH: `${join(root, 'bin')}:/usr/bin:/bin`, BOLTZ_CACHE: cache } });
  }
  const ALL = ['boltz2_conf.ckpt', 'boltz2_aff.ckpt', 'mols.tar', 'mols/ALA.pkl', 'mols/UNK.pkl'];

  it('runs boltz predict on the image’s own cache', () => {
    const result = run(ALL, ['predict', '/job/input.yaml', '--out_dir', '/job/out']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`boltz predict /job/input.yaml --out_dir /job/out --cache ${join(root, 'cache')}`);
  });

  it('stops (exit 3) an image without the molecules Boltz would download, before any job runs', () => {
    const result = run(['boltz2_conf.ckpt', 'boltz2_aff.ckpt'], ['predict', '/job/input.yaml']);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`${join(root, 'cache')}/mols.tar is missing`);
  });

  it.skipIf(!has('shellcheck'))('passes shellcheck', () => {
    const result = spawnSync('shellcheck', ['-s', 'sh', join(IMAGE, 'entrypoint.sh')], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
