// model-cpu: listen at once (answering `loading`), load the model, then say ready; close on
// SIGINT/SIGTERM.
import type { AddressInfo } from 'node:net';
import { createLogger, Shutdown, tellParentReady } from '@gpuq/runtime';
import { buildModelServer } from './app.js';
import { loadSentimentClassifier } from './classifier.js';
import { loadModelEnv } from './env.js';
import { ModelRegistry } from './model-registry.js';

const log = createLogger('model-cpu');
const env = loadModelEnv();
const models = new ModelRegistry();
const app = await buildModelServer({ log, models, maxBodyBytes: env.MODEL_MAX_BODY_MB * 1024 * 1024 });
new Shutdown(log).add({ name: 'http server', run: () => app.close() }).onSignals();
await app.listen({ host: env.MODEL_HOST, port: env.MODEL_PORT });
// The port bound, not the one asked for: with MODEL_PORT=0 the system picks it, and the ready line says which.
const { port } = app.server.address() as AddressInfo;
try {
  await models.load([() => loadSentimentClassifier()]);
} catch (err) {
  log.fatal({ err }, 'the model did not load');
  await app.close();
  process.exit(1);
}
log.info({ url: `http://${env.MODEL_HOST}:${port}`, port, models: models.infos.map((m) => `${m.name}@${m.version}`) }, 'model-cpu ready');
tellParentReady('model-cpu', port);
