// The OpenAPI document, generated from the routes' zod schemas (never written by hand), at
// /openapi.json, and Swagger UI at /docs.
import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { apiErrors } from '@gpuq/shared';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
export const API_VERSION = version;

const errorTable = Object.entries(apiErrors)
  .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.message} |`)
  .join('\n');

export const swaggerPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'gpuq',
          version,
          description: [
            'Submit GPU jobs (cuOpt solves, Boltz-2 folds, inference), poll them, get the answer.',
            '',
            'Every error has one shape: `{"error": {"code", "message", "details": [{"path", "message"}]}}`.',
            '',
            '| code | status | meaning |',
            '|---|---|---|',
            errorTable,
          ].join('\n'),
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key.' } } },
        security: [{ bearerAuth: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
