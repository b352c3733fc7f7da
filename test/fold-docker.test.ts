// Fold jobs end to end against a real Docker engine: API, scheduler and one container per
// attempt, from a test image whose `boltz` is a stand-in that speaks Boltz-2's contract (output
// files, log lines, exit 0 on bad input and out of memory) and reads CUDA_VISIBLE_DEVICES. The
// simulated GPUs carry their size in their UUIDs, so the stand-in runs out of memory where a real
// GPU of that size would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { keys } from '@gpuq/shared';
import { waitFor } from '@gpuq/testkit';
import { fakeBoltzImage, fakeBoltzImageUnavailable } from './helpers/fake-boltz-image.js';
import { Stack } from './helpers/stack.js';

const engine = inject('docker');
const skipReason = 'unavailable' in engine ? engine.unavailable : fakeBoltzImageUnavailable();
if (skipReason) console.warn(`fold-docker tests skipped: ${skipReason}`);

const GPUS = [
  { id: 'gpu0', vramMb: 24_576, uuid: 'GPU-fake-24576-0' },
  { id: 'gpu1', vramMb: 24_576, uuid: 'GPU-fake-24576-1' },
  { id: 'gpu2', vramMb: 81_920, uuid: 'GPU-fake-81920-2' },
];

const residues = (n: number) => 'ACDEFGHIKLMNPQRSTVWY'.repeat(Math.ceil(n / 20)).slice(0, n);
const protein = (n: number, id = 'A') => ({ protein: { id, sequence: residues(n), msa: 'empty' } });
/** The stand-in takes samplingSteps × samples / 100 seconds. */
const fold = (sequences: unknown[], options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  kind: 'fold',
  input: { sequences, options: { samplingSteps: 10, ...options } },
  ...extra,
});

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

const containersOf = (boxId: string) => docker('ps', '-a', '-q', '--filter', `label=gpuq.box=${boxId}`).split('\n').filter(Boolean);

/** Containers ever created for a job, from the engine's event log. */
const createdFor = (jobId: string, since: number) =>
  docker('events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000)), '--filter', 'event=create', '--filter', `label=gpuq.job=${jobId}`, '--format', '{{.ID}}')
    .split('\n')
    .filter(Boolean);

describe.skipIf(skipReason !== undefined)(`fold jobs in Docker containers${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let image: string;
  let jobsDir: string;
  let boxId: string;
  let stack: Stack;

  const start = (scheduler: Record<string, unknown> = {}) => {
    boxId = `fold-test-${Math.random().toString(36).slice(2, 8)}`;
    jobsDir = mkdtempSync(join(tmpdir(), 'gpuq-fold-jobs-'));
    return Stack.start({
      gpus: GPUS,
      scheduler: { boxId, ...scheduler },
      kinds: {
        fold: {
          backoffMs: 100,
          // The user is left to its default (a non-root uid); /dev/shm and /tmp sized small, to see config reach the engine.
          executor: { type: 'docker', image, gpuMode: 'env', jobsDir, memoryMb: 256, pidsLimit: 64, shmSizeMb: 96, tmpSizeMb: 32, stopGraceS: 2 },
        },
      },
    });
  };

  /** Nothing a finished job leaves behind: no container of this box, no attempt directory. */
  const expectNothingLeft = () => {
    expect(containersOf(boxId), 'containers left').toEqual([]);
    expect(readdirSync(jobsDir), 'attempt directories left').toEqual([]);
  };

  beforeAll(async () => {
    image = await fakeBoltzImage();
  });

  describe('on one box with two 24 GiB GPUs and one 80 GiB GPU', () => {
    beforeAll(async () => {
      stack = await start();
    });
    afterEach(() => expectNothingLeft());
    afterAll(async () => {
      await stack?.stop();
      rmSync(jobsDir, { recursive: true, force: true });
    });

    it('a protein–ligand complex: confidence and affinity in the result, structures as artifacts', async () => {
      const submitted = await stack.submit({
        kind: 'fold',
        input: { sequences: [protein(120), { ligand: { id: 'L', smiles: 'CC(=O)Oc1ccccc1C(=O)O' } }], properties: [{ affinity: { binder: 'L' } }], options: { samplingSteps: 10, diffusionSamples: 2 } },
      });
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('succeeded');
      const result = done.result as {
        tokens: number;
        confidence: { confidence_score: number; ptm: number };
        models: Array<{ rank: number; structure: string; confidence_score: number }>;
        affinity: { affinity_pred_value: number; affinity_probability_binary: number };
        artifacts: Array<{ name: string; bytes: number }>;
      };
      expect(result.tokens).toBe(133); // 120 residues and aspirin's 13 heavy atoms
      expect(result.confidence).toMatchObject({ confidence_score: 0.91, ptm: 0.88 });
      expect(result.models.map((m) => [m.rank, m.structure, m.confidence_score])).toEqual([
        [0, 'input_model_0.cif', 0.91],
        [1, 'input_model_1.cif', 0.9],
      ]);
      expect(result.affinity).toMatchObject({ affinity_pred_value: -1.63, affinity_probability_binary: 0.71 });
      expect(result.artifacts.map((a) => a.name).sort()).toEqual([
        'affinity_input.json',
        'confidence_input_model_0.json',
        'confidence_input_model_1.json',
        'input_model_0.cif',
        'input_model_1.cif',
        'pae_input_model_0.npz',
        'pae_input_model_1.npz',
        'pde_input_model_0.npz',
        'pde_input_model_1.npz',
        'plddt_input_model_0.npz',
        'plddt_input_model_1.npz',
        'pre_affinity_input.npz',
      ]);
      // The container's own output is the job's log.
      const log = await (await fetch(`${stack.apiUrl}/v1/jobs/${submitted.id}/logs`)).text();
      expect(log).toContain('GPU available: True (cuda), used: True\n');

      const cif = await fetch(`${stack.apiUrl}/v1/jobs/${submitted.id}/artifacts/input_model_0.cif`);
      expect(cif.status).toBe(200);
      expect(cif.headers.get('content-type')).toBe('chemical/x-cif');
      const structure = await cif.text();
      // Placed on a GPU, and the container saw that GPU and no other.
      const gpu = GPUS.find((g) => g.id === done.placement?.gpu)!;
      expect(structure).toContain(`133 tokens on ${gpu.uuid}\n`);
      expect(Number(result.artifacts.find((a) => a.name === 'input_model_0.cif')!.bytes)).toBe(Buffer.byteLength(structure));
    });

    it('out of GPU memory on a 24 GiB GPU: retried on the 80 GiB GPU, where it fits', async () => {
      // 1,850 residues need about 43 GiB; the job claims 20,000 MiB, so it is first placed on a 24 GiB GPU.
      const submitted = await stack.submit(fold([protein(1_850)], {}, { resources: { vramMb: 20_000 } }));
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('succeeded');
      expect(done.attempts.made).toBe(2);
      expect(done.placement?.gpu).toBe('gpu2');
      const firstAttempt = stack.scheduler.lines.find((l) => l.jobId === submitted.id && l.msg === 'attempt failed; will retry');
      expect(firstAttempt).toMatchObject({ code: 'gpu_out_of_memory', reason: 'GPU out of memory at 1,850 tokens on a 24 GiB GPU; retrying on a GPU with more memory' });
      // Both attempts are in the job's history: where each ran and how it ended.
      const history = (await stack.request<{ attempts: Array<{ attempt: number; gpu: string; error: { code: string } | null }> }>('GET', `/v1/jobs/${submitted.id}/attempts`)).body.attempts;
      expect(history.map((a) => [a.attempt, a.gpu, a.error?.code ?? null])).toEqual([
        [1, expect.stringMatching(/^gpu[01]$/), 'gpu_out_of_memory'],
        [2, 'gpu2', null],
      ]);
    });

    it('out of GPU memory with no larger GPU: failed at once, with the reason', async () => {
      // 2,700 residues need about 88 GiB: more than any GPU here.
      const submitted = await stack.submit(fold([protein(2_700)], {}, { resources: { vramMb: 70_000 }, maxAttempts: 3 }));
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('failed');
      expect(done.attempts.made).toBe(1);
      expect(done.error?.code).toBe('gpu_out_of_memory');
      expect(done.error?.message).toBe('GPU out of memory at 2,700 tokens on a 80 GiB GPU; no GPU on any box has more memory');
    });

    it('a complex estimated to need more than any GPU is refused at submit', async () => {
      const refused = await stack.request<{ error: { code: string; message: string; details: Array<{ path: string }> } }>('POST', '/v1/jobs', fold([protein(2_700)]));
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('never_fits');
      expect(refused.body.error.message).toMatch(/^estimated to need 90480 MiB for 2,700 tokens, but the largest GPU that runs fold jobs offers \d+ MiB/);
      expect(refused.body.error.details[0]!.path).toBe('input');
    });

    it('an input Boltz rejects: failed as invalid input, not retried', async () => {
      const submitted = await stack.submit(fold([protein(50), { ligand: { id: 'L', ccd: 'ZZZ' } }], {}, { maxAttempts: 3 }));
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('failed');
      // Each attempt's end, should one before the last have ended otherwise.
      const history = (await stack.request('GET', `/v1/jobs/${submitted.id}/attempts`)).body;
      expect(done.attempts.made, `${JSON.stringify(history)}\n${stack.logs()}`).toBe(1);
      expect(done.error).toMatchObject({ code: 'invalid_input', message: 'input rejected: CCD component ZZZ not found!' });
    });

    it('an input Boltz’s data loader keeps failing on (Boltz exits 1): failed as invalid input, not retried', async () => {
      const submitted = await stack.submit(fold([protein(50), { ligand: { id: 'L', ccd: 'ZZT' } }], {}, { maxAttempts: 3 }));
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('failed');
      expect(done.attempts.made).toBe(1);
      expect(done.error).toMatchObject({ code: 'invalid_input', message: "input rejected by Boltz's tokenizer: 'ZZT'" });
    });

    it('out of GPU memory in the affinity stage on a 24 GiB GPU: retried on the 80 GiB GPU, with its affinity', async () => {
      // 1,313 tokens: the structure stage fits in 24 GiB, the affinity stage does not; the job claims 20,000 MiB.
      const submitted = await stack.submit({
        kind: 'fold',
        input: { sequences: [protein(1_300), { ligand: { id: 'L', smiles: 'CC(=O)Oc1ccccc1C(=O)O' } }], properties: [{ affinity: { binder: 'L' } }], options: { samplingSteps: 10 } },
        resources: { vramMb: 20_000 },
      });
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('succeeded');
      expect(done.attempts.made).toBe(2);
      expect(done.placement?.gpu).toBe('gpu2');
      expect(done.result).toMatchObject({ affinity: { affinity_pred_value: -1.63 } });
      const firstAttempt = stack.scheduler.lines.find((l) => l.jobId === submitted.id && l.msg === 'attempt failed; will retry');
      expect(firstAttempt).toMatchObject({ code: 'gpu_out_of_memory', reason: 'GPU out of memory in the affinity stage at 1,313 tokens on a 24 GiB GPU; retrying on a GPU with more memory' });
    });

    it('12 samples: each model with its own confidence, in rank order', async () => {
      const submitted = await stack.submit(fold([protein(40)], { diffusionSamples: 12 }));
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('succeeded');
      const models = (done.result as { models: Array<{ rank: number; structure: string; confidence_score: number }> }).models;
      expect(models.map((m) => m.rank)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(models[10]).toMatchObject({ structure: 'input_model_10.cif', confidence_score: 0.81 });
      expect(models[2]).toMatchObject({ structure: 'input_model_2.cif', confidence_score: 0.89 });
    });

    it('a job past its timeout: its container is stopped and the job fails as timed out', async () => {
      // The stand-in would take 60 s (steps × samples / 100); stopped at 2 s, plus the stop's grace.
      const submitted = await stack.submit(fold([protein(50)], { samplingSteps: 1_000, diffusionSamples: 6 }, { timeoutSeconds: 2 }));
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('failed');
      expect(done.error?.code).toBe('timed_out');
      expect(done.finishedAt! - done.startedAt!).toBeLessThan(20_000);
    });

    it('a cancelled job: its container, run as configured, is stopped and removed', async () => {
      // 60 s in the stand-in: still running whenever the cancel comes.
      const submitted = await stack.submit(fold([protein(50)], { samplingSteps: 1_000, diffusionSamples: 6 }));
      const handle = await waitFor(() => stack.redis().hget(keys.jobRun(submitted.id), 'handle'), { what: 'the container to start' });
      const info = JSON.parse(docker('inspect', handle))[0] as {
        Config: { User: string; Labels: Record<string, string>; Env: string[]; Image: string };
        HostConfig: {
          NetworkMode: string;
          Memory: number;
          PidsLimit: number;
          Init: boolean;
          Binds: string[];
          ShmSize: number;
          IpcMode: string;
          CapDrop: string[];
          CapAdd: string[] | null;
          SecurityOpt: string[];
          Privileged: boolean;
          ReadonlyRootfs: boolean;
          Tmpfs: Record<string, string>;
        };
      };
      expect(info.Config.User).toBe('1000:1000');
      expect(info.Config.Env).toContain('HOME=/tmp');
      expect(info.Config.Image).toBe(image);
      expect(info.Config.Labels).toMatchObject({ 'gpuq.job': submitted.id, 'gpuq.attempt': '1', 'gpuq.box': boxId });
      expect(info.Config.Labels['gpuq.fence']).toMatch(/^\d+$/);
      expect(info.HostConfig).toMatchObject({
        NetworkMode: 'none',
        Memory: 256 * 1024 * 1024,
        PidsLimit: 64,
        Init: true,
        ShmSize: 96 * 1024 * 1024,
        IpcMode: 'private',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Privileged: false,
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,exec,size=32m,mode=1777' },
      });
      expect(info.HostConfig.CapAdd ?? []).toEqual([]);
      expect(info.HostConfig.Binds).toEqual([`${join(jobsDir, `${submitted.id}-1`)}:/job:rw`]);
      // And as the kernel holds them for the running container's processes.
      const inside = (command: string) => docker('exec', handle, 'sh', '-c', command);
      expect(inside('id -u; id -g')).toBe('1000\n1000');
      expect(inside('grep -E "^(CapEff|CapPrm|NoNewPrivs):" /proc/self/status | tr -s "\t " " "')).toBe('CapPrm: 0000000000000000\nCapEff: 0000000000000000\nNoNewPrivs: 1');
      expect(inside('touch /usr/local/bin/x 2>&1 || true')).toMatch(/Read-only file system/);
      expect(inside('touch /tmp/x /job/x && echo writable')).toBe('writable');
      expect(inside("df -k /dev/shm /tmp | awk 'NR > 1 { print $2 }'")).toBe(`${96 * 1024}\n${32 * 1024}`);

      const cancelled = await stack.request('DELETE', `/v1/jobs/${submitted.id}`);
      expect(cancelled.status).toBe(202);
      const done = await stack.waitForJob(submitted.id);
      expect(done.status, stack.logs()).toBe('cancelled');
    });

    it('two fold jobs on two GPUs run side by side, each seeing only its own GPU', async () => {
      // 20,000 MiB each: one per 24 GiB GPU.
      const jobs = await Promise.all([0, 1].map(() => stack.submit(fold([protein(100)], { samplingSteps: 400 }, { resources: { vramMb: 20_000 } }))));
      const done = await Promise.all(jobs.map((j) => stack.waitForJob(j.id)));
      expect(done.map((d) => d.status), stack.logs()).toEqual(['succeeded', 'succeeded']);
      const gpus = done.map((d) => d.placement!.gpu);
      expect(new Set(gpus).size).toBe(2);
      // They overlapped in time.
      expect(Math.max(...done.map((d) => d.startedAt!))).toBeLessThan(Math.min(...done.map((d) => d.finishedAt!)));
      for (const [i, job] of jobs.entries()) {
        const structure = await (await fetch(`${stack.apiUrl}/v1/jobs/${job.id}/artifacts/input_model_0.cif`)).text();
        const uuid = GPUS.find((g) => g.id === gpus[i])!.uuid;
        expect(structure).toContain(`100 tokens on ${uuid}\n`);
      }
    });
  });

  describe('when the scheduler dies while a container runs', () => {
    afterAll(async () => {
      await stack?.stop();
      rmSync(jobsDir, { recursive: true, force: true });
    });

    it('its successor re-attaches to the container: the job completes once, in one container', async () => {
      stack = await start({ leaseTtlMs: 1_500, lockDurationMs: 4_000 });
      const since = Math.floor(Date.now() / 1000) - 1;
      // 8 s in the stand-in: still running when the successor, started after the kill, looks.
      const submitted = await stack.submit(fold([protein(80)], { samplingSteps: 800 }));
      const handle = await waitFor(() => stack.redis().hget(keys.jobRun(submitted.id), 'handle'), { what: 'the container to start' });
      await stack.scheduler.kill();
      expect(docker('inspect', '--format', '{{.State.Running}}', handle)).toBe('true');
      stack.scheduler = stack.startScheduler();
      const done = await stack.waitForJob(submitted.id, undefined, 30_000);
      expect(done.status, stack.logs()).toBe('succeeded');
      expect(done.attempts.made).toBe(1);
      expect(createdFor(submitted.id, since)).toEqual([handle]);
      expect(stack.scheduler.lines.some((l) => l.msg === 're-attached to a container a previous scheduler started')).toBe(true);
      expectNothingLeft();
    });

    it('a container that finished while no scheduler ran: its output is collected', async () => {
      await stack.stop();
      stack = await start({ leaseTtlMs: 1_500, lockDurationMs: 4_000 });
      const submitted = await stack.submit(fold([protein(80)], { samplingSteps: 50 }));
      const handle = await waitFor(() => stack.redis().hget(keys.jobRun(submitted.id), 'handle'), { what: 'the container to start' });
      await stack.scheduler.kill();
      await waitFor(() => docker('inspect', '--format', '{{.State.Status}}', handle) === 'exited', { what: 'the container to exit' });
      stack.scheduler = stack.startScheduler();
      const done = await stack.waitForJob(submitted.id, undefined, 30_000);
      expect(done.status, stack.logs()).toBe('succeeded');
      expect((done.result as { tokens: number }).tokens).toBe(80);
      expectNothingLeft();
    });
  });
});
