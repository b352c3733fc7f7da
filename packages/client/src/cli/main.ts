#!/usr/bin/env node
// The `gpuq` command: the process's arguments, streams and Ctrl-C handed to runCli.
import { runCli } from './run.js';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort(new DOMException('interrupted', 'AbortError')));

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: interrupt.signal,
});
