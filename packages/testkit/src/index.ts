export * from './app-process.js';
export * from './ports.js';
export * from './redis-server.js';
export * from './wait-for.js';
export * from './docker-engine.js';
export * from './process-alive.js';
export * from './listening-app.js';
export * from './kube-api-stand-in.js';
