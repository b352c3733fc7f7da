// Route schemas are zod schemas: requests are parsed with them (keeping every issue's path for the
// error details) and responses are serialised with them, so no undeclared field leaks out. A body
// the body-check pool checked (plugins/body-checks.ts) is already parsed with its route's schema.
import fp from 'fastify-plugin';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { RequestValidationError } from '../errors.js';
import { CheckedBody } from './body-checks.js';

export const validationPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema, httpPart }) => (data) => {
      // Checked already, against this schema, by the body-check pool.
      if (data instanceof CheckedBody) return { value: data };
      const result = (schema as z.ZodType).safeParse(data);
      return result.success ? { value: result.data } : { error: new RequestValidationError(httpPart ?? 'body', result.error.issues) };
    });
    app.setSerializerCompiler(serializerCompiler);
  },
  { name: 'validation' },
);
