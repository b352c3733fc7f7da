export * from './config-file.js';
export * from './env.js';
export * from './logger.js';
export * from './redis.js';
export * from './shutdown.js';
export * from './box-states.js';
export * from './redis-script.js';
export * from './ready.js';
