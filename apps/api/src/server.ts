// The API process: build, listen, close on SIGINT/SIGTERM. Without API keys it serves loopback
// only, and says so.
import type { AddressInfo } from 'node:net';
import { createLogger, loadConfig, Shutdown, tellParentReady } from '@gpuq/runtime';
import { buildApp } from './app.js';
import { KeyRing, keysFromEnv, secretsFromEnv } from './auth/key-ring.js';
import { loadApiEnv } from './env.js';

const log = createLogger('api');
const env = loadApiEnv();
const config = loadConfig(env.GPUQ_CONFIG);
const keys = new KeyRing([...config.api.keys, ...keysFromEnv(env.GPUQ_API_KEYS, env.GPUQ_ADMIN_KEYS)]);
const isLoopback = ['127.0.0.1', '::1', 'localhost'].includes(env.HOST);
if (keys.isEmpty && !isLoopback) {
  log.fatal({ host: env.HOST }, 'no API keys are configured: refusing to serve anything but loopback. Set GPUQ_API_KEYS (tenant:key,…) or bind HOST=127.0.0.1.');
  process.exit(1);
}
if (keys.isEmpty) log.warn('no API keys are configured: the API is open, as one tenant, to this machine only');
const app = await buildApp({
  config,
  redisUrl: env.REDIS_URL,
  log,
  maxBodyBytes: env.API_MAX_BODY_MB * 1024 * 1024,
  keys,
  webhookSecrets: secretsFromEnv(env.GPUQ_WEBHOOK_SECRETS),
  runsWebhooks: env.API_WEBHOOKS,
  eventsRereadMs: env.API_EVENTS_REREAD_S * 1000,
});
new Shutdown(log).add({ name: 'http server, webhooks, queues and redis', run: () => app.close() }).onSignals();
await app.listen({ host: env.HOST, port: env.PORT });
// The port bound, not the one asked for: with PORT=0 the system picks it, and this line says which.
const { port } = app.server.address() as AddressInfo;
log.info({ url: `http://${env.HOST}:${port}`, port }, 'api listening');
tellParentReady('api', port);
