// The API in-process against a fresh Redis database, with two tenants and an admin.
import type { z } from 'zod';
import { GpuqConfig, keys as redisKeys, type Inventory } from '@gpuq/shared';
import { createLogger, Redis } from '@gpuq/runtime';
import { freshRedisUrl } from '../../../test/helpers/redis-db.js';
import { buildApp } from '../src/app.js';
import { KeyRing, keysFromEnv } from '../src/auth/key-ring.js';
import type { WebhookLookup } from '../src/webhooks/resolve-target.js';

export const KEYS = { acme: 'acme-key-0123456789', globex: 'globex-key-0123456789', admin: 'admin-key-0123456789' } as const;
export const SECRETS = { acme: 'acme-webhook-secret-0123456789' };
export const auth = (who: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[who]}` });

export type TestApp = Awaited<ReturnType<typeof buildApp>> & { redisUrl: string; client: Redis };

/** Solve jobs on GPUs through an http executor: these tests use them as the plain GPU job, with VRAM. */
export const SOLVE_ON_GPUS = { executor: { type: 'http', url: 'http://127.0.0.1:5000' } };

export interface TestAppOptions {
  isOpen?: boolean;
  redisUrl?: string;
  /** Resolves webhook hosts; without it, a webhook to a name gets the system resolver. */
  webhookLookup?: WebhookLookup;
  /** Whether this app delivers webhooks (default no). */
  runsWebhooks?: boolean;
  /** The body limit (default 256 KiB). */
  maxBodyBytes?: number;
}

export async function buildTestApp(config: Record<string, unknown> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const redisUrl = options.redisUrl ?? (await freshRedisUrl());
  const keys = options.isOpen ? new KeyRing([]) : new KeyRing(keysFromEnv(`acme:${KEYS.acme},globex:${KEYS.globex}`, KEYS.admin));
  const app = await buildApp({
    config: GpuqConfig.parse({ ...config, kinds: { solve: SOLVE_ON_GPUS, ...(config.kinds as object | undefined) } }),
    redisUrl,
    log: createLogger('api-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
    keys,
    webhookSecrets: SECRETS,
    runsWebhooks: options.runsWebhooks ?? false,
    webhookLookup: options.webhookLookup,
  });
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  app.addHook('onClose', async () => {
    await client.quit();
  });
  return Object.assign(app, { redisUrl, client });
}

/** Publishes a box's inventory and an active scheduler's heartbeat, as a scheduler would. */
export async function publishBox(client: Redis, inventory: Omit<z.input<typeof Inventory>, 'updatedAt' | 'schedulerId'>): Promise<void> {
  await client.set(redisKeys.inventory(inventory.boxId), JSON.stringify({ ...inventory, schedulerId: `sched-${inventory.boxId}`, updatedAt: Date.now() }));
  await client.hset(redisKeys.schedulers, `sched-${inventory.boxId}`, JSON.stringify({ boxId: inventory.boxId, role: 'active', heartbeatAt: Date.now(), pid: 1 }));
}

export const gpu = (id: string, totalMb: number) => ({
  id,
  isSimulated: true,
  totalMb,
  headroomMb: 0,
  notOursMb: 0,
  usedByUsMb: 0,
  usableMb: totalMb,
  reservedMb: 0,
  freeMb: totalMb,
  jobs: 0,
  drainedReason: null,
  utilizationPercent: null,
  temperatureC: null,
});
