#!/usr/bin/env node
// The `gpuq` command npm links at install. Committed, not built, so the link exists after the
// first `npm install` (npm links only files that exist then); it runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('gpuq: the command is not built yet: run `npm run build` (or `npm start`, which builds first) in the gpuq checkout.\n');
  process.exitCode = 1;
}
