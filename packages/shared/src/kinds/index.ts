export * from './fold.js';
export * from './solve.js';
export * from './catalog.js';
