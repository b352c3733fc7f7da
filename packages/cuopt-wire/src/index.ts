// @gpuq/cuopt-wire: the cuOpt server's wire encodings and content negotiation, shared by
// solver-cpu and the API's cuOpt-compatible routes.
export * from './media.js';
export * from './wire-decode-error.js';
export * from './decode.js';
export * from './encode.js';
export { parsePythonJson } from './python-json.js';
