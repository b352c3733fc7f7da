export * from './job-manifest.js';
export * from './kubernetes-executor.js';
export * from './namespace-watch.js';
export * from './pod-state.js';
