// Route schemas are zod schemas: requests are parsed with them (keeping every issue's path for the
// error details) and responses are serialised with them, so no undeclared field leaks out.
import fp from 'fastify-plugin';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { RequestValidationError } from '../errors.js';

export const validationPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema, httpPart }) => (data) => {
      const result = (schema as z.ZodType).safeParse(data);
      return result.success ? { value: result.data } : { error: new RequestValidationError(httpPart ?? 'body', result.error.issues) };
    });
    app.setSerializerCompiler(serializerCompiler);
  },
  { name: 'validation' },
);
