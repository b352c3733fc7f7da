// Starts one real redis-server for the integration tests and stops it by PID afterwards. Each
// test takes a database of its own from it (helpers/redis-db.ts), so parallel files never meet.
// Also finds (or starts) the Docker engine for the tests that run containers, and says why they
// will skip when there is none.
import type { TestProject } from 'vitest/node';
import { dockerEngine, startRedisServer, type DockerEngine, type RedisServer } from '@gpuq/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** The Docker engine's socket, or why there is none. */
    docker: { socketPath: string } | { unavailable: string };
  }
}

let server: RedisServer | undefined;
let docker: DockerEngine | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startRedisServer({ databases: 1024 });
  project.provide('redisUrl', server.url);
  docker = await dockerEngine();
  if (docker.available) {
    project.provide('docker', { socketPath: docker.socketPath });
  } else {
    console.warn(`\nDocker tests will be skipped: ${docker.reason}\n`);
    project.provide('docker', { unavailable: docker.reason });
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (docker?.available) await docker.stop();
}
