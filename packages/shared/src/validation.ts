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
    if (issue.code === 'invalid_union') {
      // Say what is wrong with the shape the input was meant to be, not that it matches none.
      const branch = closestBranch(issue.errors);
      if (branch) return issuesToDetails(branch, path);
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/**
 * Of a union's options, the one the input was meant to be: the only one whose fields it uses
 * (no unknown field, no wrong literal at its top); or, when it uses none cleanly, the one with the
 * fewest unknown, missing and wrong fields, if one has fewest. None when it cannot tell (then
 * the union's own message says what is expected).
 */
function closestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const clean = branches.filter((issues) => !issues.some(isShapeMismatch));
  if (clean.length === 1) return clean[0];
  if (clean.length > 1) return undefined;
  const scored = branches.map((issues) => ({ issues, score: issues.reduce((sum, issue) => sum + mismatchWeight(issue), 0) })).sort((a, b) => a.score - b.score);
  if (scored.length === 0 || (scored.length > 1 && scored[0]!.score === scored[1]!.score)) return undefined;
  return scored[0]!.issues;
}

/** An issue that says the input is another shape altogether: an unknown field, a wrong literal or type at its top. */
function isShapeMismatch(issue: z.core.$ZodIssue): boolean {
  return (issue.code === 'unrecognized_keys' && issue.path.length === 0) || (issue.code === 'invalid_value' && issue.path.length <= 1) || (issue.code === 'invalid_type' && issue.path.length === 0);
}

function mismatchWeight(issue: z.core.$ZodIssue): number {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) return issue.keys.length;
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 100;
  if (issue.code === 'invalid_value' && issue.path.length <= 1) return 2;
  if (issue.code === 'invalid_type' && issue.path.length === 1) return 1;
  return 0;
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
