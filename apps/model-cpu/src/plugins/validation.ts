// Route schemas are zod schemas: a body that fails one is refused as `invalid_request` with each
// problem named by its field (`texts[2] must be a string, not a number`), and replies are
// serialised through theirs, so no undeclared field leaks out.
import fp from 'fastify-plugin';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { formatPath } from '@gpuq/shared';
import { ModelServerError, problemsMessage } from '../errors.js';

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  return `${path.length === 0 ? 'the body' : formatPath(path)} ${issue.message}`;
}

export const validationPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema }) => (data) => {
      const result = (schema as z.ZodType).safeParse(data);
      return result.success ? { value: result.data } : { error: new ModelServerError('invalid_request', problemsMessage(result.error.issues.map(describe))) };
    });
    app.setSerializerCompiler(serializerCompiler);
  },
  { name: 'validation' },
);
