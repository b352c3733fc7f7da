// Where the API finds the status page's script: apps/api/browser/*.ts, compiled by `tsc -b` into
// dist/browser/, which ships with the rest of the API's dist/ (npm start, the Docker image). The
// files are classic scripts (no imports: the page has no bundler); they are served as one, in order,
// inside one function so that nothing they declare lands on `window`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The same folder from src/ui (tests run the sources) and dist/ui (the built API): both sit two levels below apps/api. */
export const STATUS_PAGE_SCRIPT_DIR = join(import.meta.dirname, '..', '..', 'dist', 'browser');

/** Helpers first, the main script (which starts the page) last. */
export const STATUS_PAGE_SCRIPT_FILES = ['status-page-dom.js', 'status-page-charts.js', 'status-page-failures.js', 'status-page-job.js', 'status-page.js'] as const;

/** The compiled script, read once at start-up; a missing file is a build that has not run. */
export async function readStatusPageScript(): Promise<string> {
  const parts = await Promise.all(
    STATUS_PAGE_SCRIPT_FILES.map(async (file) => {
      const path = join(STATUS_PAGE_SCRIPT_DIR, file);
      try {
        return `// ---- ${file}\n${await readFile(path, 'utf8')}`;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        throw new Error(`the status page's script is missing (${path}): build it with \`npm run build\``, { cause: err });
      }
    }),
  );
  return `(() => {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}
