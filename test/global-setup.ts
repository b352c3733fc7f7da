// Starts one real redis-server for the integration tests and stops it by PID afterwards. Each
// test takes a database of its own from it (helpers/redis-db.ts), so parallel files never meet.
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServer } from '@gpuq/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let server: RedisServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startRedisServer({ databases: 1024 });
  project.provide('redisUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
