export * from './fold.js';
export * from './solve.js';
export * from './catalog.js';
export * from './solve-request.js';
export * from './inference.js';
export * from './mps.js';
export * from './vrp.js';
export * from './solve-input.js';
