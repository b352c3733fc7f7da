// The docker executor: one container per attempt, through the Docker engine's API. The image is
// the one config names for the kind; the kind's adapter writes the attempt's directory (mounted at
// /job) and reads the outcome from it. The container gets only its own GPU, no network unless the
// job needs one, memory and process limits, and labels that let a restarted scheduler find it. It
// runs as a non-root user with every capability dropped and no way to gain privileges, on a
// read-only root file system: it writes only to /job and to a tmpfs at /tmp (its HOME).
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import type { DockerExecutorConfig } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { keepArtifacts, prepareTask, writeAttemptDir, type ContainerAdapter, type ContainerOutcome } from './container-attempt.js';
import { isHandedOver, JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from './executor.js';

export const LABELS = { job: 'gpuq.job', attempt: 'gpuq.attempt', box: 'gpuq.box', fence: 'gpuq.fence', dir: 'gpuq.dir' } as const;

/** What a kind puts in the attempt's directory, and how its container is started. */
const KEPT_LOG_BYTES = 256 * 1024;
const MIB = 1024 * 1024;

/** Docker's log stream without a TTY: 8-byte headers (stream, 0, 0, 0, size) before each frame. */
export function demuxLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

export class DockerExecutor implements Executor {
  private readonly docker: Docker;
  private readonly jobsDir: string;
  private readonly hostJobsDir: string;

  constructor(
    private readonly config: DockerExecutorConfig,
    private readonly adapter: ContainerAdapter,
    private readonly artifactsDir: string,
    private readonly boxId: string,
    private readonly log: Logger,
  ) {
    this.docker = new Docker({ socketPath: config.socketPath });
    this.jobsDir = resolve(config.jobsDir);
    this.hostJobsDir = config.hostJobsDir ?? this.jobsDir;
  }

  async check(): Promise<string | undefined> {
    try {
      await this.docker.ping();
    } catch (err) {
      return `no Docker engine answers at ${this.config.socketPath}: ${(err as Error).message}`;
    }
    try {
      await this.docker.getImage(this.config.image).inspect();
    } catch {
      const help = this.adapter.missingImageHelp?.(this.config.image) ?? "build or load it (gpuq's own images are built from deploy/images)";
      return `the image ${this.config.image} is not on this machine: ${help}`;
    }
    return undefined;
  }

  async run(job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<unknown> {
    signal.throwIfAborted();
    const task = prepareTask(this.adapter, job.input);
    const name = `${job.jobId}-${job.attempt}`;
    const dir = join(this.jobsDir, name);
    await writeAttemptDir(dir, task);
    const gpuDevice = job.gpu.uuid ?? job.gpu.id.replace(/^gpu/, '');
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: this.config.image,
        Cmd: task.args,
        Env: [
          `GPUQ_JOB_ID=${job.jobId}`,
          `GPUQ_ATTEMPT=${job.attempt}`,
          // The only writable place besides /job: caches that go under HOME land in the tmpfs.
          'HOME=/tmp',
          ...(this.config.gpuMode === 'env' ? [`CUDA_VISIBLE_DEVICES=${gpuDevice}`, `NVIDIA_VISIBLE_DEVICES=${gpuDevice}`] : []),
        ],
        Labels: {
          [LABELS.job]: job.jobId,
          [LABELS.attempt]: String(job.attempt),
          [LABELS.box]: this.boxId,
          [LABELS.fence]: String(job.fence ?? ''),
          [LABELS.dir]: dir,
        },
        WorkingDir: '/job',
        User: this.config.user,
        HostConfig: {
          // An init as PID 1 passes the stop signal on to the program and reaps its children.
          Init: true,
          Binds: [`${join(this.hostJobsDir, name)}:/job:rw`],
          NetworkMode: task.needsNetwork ? this.config.networkForMsaServer : 'none',
          Memory: this.config.memoryMb * MIB,
          PidsLimit: this.config.pidsLimit,
          IpcMode: 'private',
          ShmSize: this.config.shmSizeMb * MIB,
          Privileged: false,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: this.config.readOnlyRootFs,
          // Not noexec: Triton loads the kernels it compiles from its cache here.
          Tmpfs: { '/tmp': `rw,nosuid,nodev,exec,size=${this.config.tmpSizeMb}m,mode=1777` },
          ...(this.config.gpuMode === 'device-request' && job.gpu.uuid
            ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: [job.gpu.uuid], Capabilities: [['gpu']] }] }
            : {}),
        },
      });
      await container.start();
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new JobFailure('worker_unavailable', `could not start a container from ${this.config.image}: ${(err as Error).message}`, true);
    }
    hooks.onHandle(container.id);
    return this.follow(container, dir, job, signal, hooks, 0);
  }

  /** A container a previous scheduler started for this job: waited for, or its finished output read. */
  async attach(handle: string, job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks): Promise<{ result: unknown } | undefined> {
    const container = this.docker.getContainer(handle);
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch {
      return undefined;
    }
    const dir = info.Config.Labels[LABELS.dir];
    if (info.Config.Labels[LABELS.job] !== job.jobId || !dir) return undefined;
    hooks.onHandle(container.id);
    this.log.info({ jobId: job.jobId, container: container.id.slice(0, 12), state: info.State.Status }, 're-attached to a container a previous scheduler started');
    // The output before the takeover was recorded by the scheduler that started it: from now on.
    return { result: await this.follow(container, dir, job, signal, hooks, Math.floor(Date.now() / 1000)) };
  }

  private async follow(container: Docker.Container, dir: string, job: ExecutionRequest, signal: AbortSignal, hooks: ExecutionHooks, logsSinceS: number): Promise<unknown> {
    const log = this.log.child({ jobId: job.jobId, container: container.id.slice(0, 12) });
    const info = await container.inspect().catch(() => undefined);
    if (info?.State.Pid) hooks.onPids?.([info.State.Pid]);
    const onLog = hooks.onLog?.bind(hooks);
    const output = onLog ? await this.streamOutput(container, logsSinceS, onLog, log) : undefined;
    try {
      return await this.waitAndCollect(container, dir, job, signal, log);
    } finally {
      await output?.finished();
    }
  }

  /**
   * The container's output (stdout and stderr, in order) as it is written, to the job's log. Docker
   * ends the stream when the container stops; `finished` waits for its last frames (briefly).
   */
  private async streamOutput(container: Docker.Container, sinceS: number, onLog: (text: string) => void, log: Logger): Promise<{ finished: () => Promise<void> } | undefined> {
    try {
      const stream = (await container.logs({ stdout: true, stderr: true, follow: true, since: sinceS })) as NodeJS.ReadableStream & { destroy(): void };
      const toLog = new Writable({
        write(chunk: Buffer, _encoding, done) {
          onLog(chunk.toString('utf8'));
          done();
        },
      });
      this.docker.modem.demuxStream(stream, toLog, toLog);
      const ended = new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', resolve);
      });
      return {
        finished: async () => {
          await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
          stream.destroy();
        },
      };
    } catch (err) {
      log.warn({ err }, "could not follow the container's output: the job's log stays without it");
      return undefined;
    }
  }

  private async waitAndCollect(container: Docker.Container, dir: string, job: ExecutionRequest, signal: AbortSignal, log: Logger): Promise<unknown> {
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const waited = container.wait() as Promise<{ StatusCode: number }>;
    const first = await Promise.race([waited.then((r) => ({ exited: r.StatusCode })), stopped.then(() => ({ exited: undefined }))]);
    if (first.exited === undefined) {
      // Handed over: the container keeps running for whoever re-attaches.
      if (isHandedOver(signal)) throw signal.reason;
      log.info('stopping the container');
      await container.stop({ t: this.config.stopGraceS }).catch(() => undefined);
      await waited.catch(() => undefined);
      await this.cleanUp(container, dir, true, log);
      throw signal.reason;
    }
    const logs = demuxLogs(await container.logs({ stdout: true, stderr: true, follow: false })).slice(-KEPT_LOG_BYTES);
    let outcome: ContainerOutcome;
    try {
      outcome = await this.adapter.collect(dir, logs, first.exited, job);
    } catch (err) {
      await this.cleanUp(container, dir, false, log);
      throw err;
    }
    const artifacts = await keepArtifacts(this.artifactsDir, job.jobId, dir, outcome.artifacts);
    await this.cleanUp(container, dir, true, log);
    return { ...(outcome.result as object), artifacts };
  }

  private async cleanUp(container: Docker.Container, dir: string, isSuccess: boolean, log: Logger): Promise<void> {
    if (!isSuccess && this.config.keepOnFailure) {
      log.warn({ dir }, 'kept the failed attempt’s container and directory (keepOnFailure)');
      return;
    }
    await container.remove({ force: true }).catch((err: Error) => log.warn({ err }, 'could not remove the container'));
    await rm(dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    // Containers are left running: a successor scheduler re-attaches to them by their labels.
  }
}
