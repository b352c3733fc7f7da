// zod issues → the `details` of an error body: one `{path, message}` per problem, the path dotted.
import { z } from 'zod';
import type { ErrorDetail } from './errors.js';

// Every process that loads these schemas words a missing field the same way.
z.config({
  customError: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined),
});

export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix: readonly (string | number)[] = []): ErrorDetail[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'is not a known field' }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/** `['input', 'a', 3, 'b']` → `input.a[3].b`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(body)' : out;
}
