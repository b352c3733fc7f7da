// The stand-in kubelet's container runtime: a pod's one container as a local process. Its volume
// mounts become local directories (a hostPath, with its subPath, as is; an emptyDir made for the
// pod), and every argument, environment value and the working directory that names a path under a
// mount is rewritten to the local one. The GPU is passed as NVIDIA's device plugin and container
// runtime pass it: by UUID in NVIDIA_VISIBLE_DEVICES (and CUDA_VISIBLE_DEVICES, which the Boltz
// stand-in reads).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from './kube-objects.js';

export interface ContainerProcess {
  child: ChildProcess;
  /** Stops the process group and removes the emptyDirs. */
  stop(): void;
}

export function startContainerProcess(
  pod: Pod,
  entrypoint: readonly string[],
  imageEnv: Readonly<Record<string, string>>,
  gpu: string | undefined,
  onOutput: (text: string) => void,
  onExit: (exitCode: number) => void,
): ContainerProcess {
  const container = pod.spec.containers[0]!;
  const dirs: string[] = [];
  const mounts: Array<[string, string]> = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === mount.name);
    if (volume?.hostPath) mounts.push([mount.mountPath, mount.subPath ? join(volume.hostPath.path, mount.subPath) : volume.hostPath.path]);
    else if (volume?.emptyDir) {
      const dir = mkdtempSync(join(tmpdir(), 'kube-stand-in-emptydir-'));
      dirs.push(dir);
      mounts.push([mount.mountPath, dir]);
    }
  }
  // The longest mount path first: /job/out before /job.
  mounts.sort((a, b) => b[0].length - a[0].length);
  const local = (text: string) => {
    for (const [inside, outside] of mounts) if (text === inside || text.startsWith(`${inside}/`)) return outside + text.slice(inside.length);
    return text;
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...imageEnv };
  for (const e of container.env ?? []) env[e.name] = local(e.value ?? '');
  if (gpu) Object.assign(env, { NVIDIA_VISIBLE_DEVICES: gpu, CUDA_VISIBLE_DEVICES: gpu });
  // `command` replaces the image's entrypoint; `args` are its arguments. The entrypoint is this
  // machine's path to the stand-in program, never a path inside the container: it is not
  // rewritten (a checkout under /tmp would otherwise land in the emptyDir mounted at /tmp).
  const command = [...(container.command ? container.command.map(local) : entrypoint), ...(container.args ?? []).map(local)];
  const child = spawn(command[0]!, command.slice(1), {
    ...(container.workingDir ? { cwd: local(container.workingDir) } : {}),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let isStopped = false;
  child.stdout.on('data', (chunk: Buffer) => onOutput(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => onOutput(chunk.toString('utf8')));
  child.on('error', (err) => onOutput(`exec failed: ${err.message}\n`));
  child.on('close', (code, signal) => {
    if (!isStopped) onExit(code ?? (signal === 'SIGKILL' ? 137 : 143));
  });
  return {
    child,
    stop: () => {
      isStopped = true;
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
