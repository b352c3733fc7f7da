// Where the API finds the status page's script: apps/api/browser/status-page.ts, compiled by `tsc -b`
// into dist/browser/, which ships with the rest of the API's dist/ (npm start, the Docker image).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The same file from src/ui (tests run the sources) and dist/ui (the built API): both sit two levels below apps/api. */
export const STATUS_PAGE_SCRIPT_PATH = join(import.meta.dirname, '..', '..', 'dist', 'browser', 'status-page.js');

/** The compiled script, read once at start-up; a missing one is a build that has not run. */
export async function readStatusPageScript(): Promise<string> {
  try {
    return await readFile(STATUS_PAGE_SCRIPT_PATH, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(`the status page's script is missing (${STATUS_PAGE_SCRIPT_PATH}): build it with \`npm run build\``, { cause: err });
  }
}
