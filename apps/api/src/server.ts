// The API process: build, listen, close on SIGINT/SIGTERM.
import { createLogger, loadConfig, Shutdown } from '@gpuq/runtime';
import { buildApp } from './app.js';
import { loadApiEnv } from './env.js';

const log = createLogger('api');
const env = loadApiEnv();
const config = loadConfig(env.GPUQ_CONFIG);
const app = await buildApp({ config, redisUrl: env.REDIS_URL, log, maxBodyBytes: env.API_MAX_BODY_MB * 1024 * 1024 });
new Shutdown(log).add({ name: 'http server, queues and redis', run: () => app.close() }).onSignals();
await app.listen({ host: env.HOST, port: env.PORT });
