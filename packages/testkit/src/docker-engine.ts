// The Docker engine for tests that run containers: the one already answering on the socket, or a
// dockerd this process starts (as root, without a bridge network) and stops by PID afterwards.
// When neither can be had, the reason is returned so those tests can say why they skipped.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const DOCKER_SOCKET = '/var/run/docker.sock';

export type DockerEngine =
  | { available: true; socketPath: string; startedHere: boolean; stop(): Promise<void> }
  | { available: false; reason: string };

/** Whether a Docker engine answers `GET /_ping` on the socket. */
export function pingDocker(socketPath = DOCKER_SOCKET, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const onPath = (program: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, program)));

export async function dockerEngine(socketPath = DOCKER_SOCKET, startTimeoutMs = 60_000): Promise<DockerEngine> {
  if (await pingDocker(socketPath)) return { available: true, socketPath, startedHere: false, stop: async () => undefined };
  if (!onPath('dockerd')) return { available: false, reason: `no Docker engine answers at ${socketPath} and dockerd is not installed (apt-get install docker.io)` };
  if (process.getuid?.() !== 0) return { available: false, reason: `no Docker engine answers at ${socketPath}, and starting dockerd needs root` };

  const logPath = join(mkdtempSync(join(tmpdir(), 'gpuq-dockerd-')), 'dockerd.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('dockerd', ['--bridge=none', '--iptables=false', '--host', `unix://${socketPath}`], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline && exitCode === undefined) {
    if (await pingDocker(socketPath)) {
      return {
        available: true,
        socketPath,
        startedHere: true,
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  await exited;
  const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join(' | ');
  return { available: false, reason: `dockerd did not start (${exitCode === undefined ? 'no answer in time' : `exited ${exitCode}`}): ${tail}` };
}
