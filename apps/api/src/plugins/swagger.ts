// The OpenAPI document, generated from the routes' zod schemas (never written by hand), at
// /openapi.json, and Swagger UI at /docs. Shared schemas are named components (openapi-components.ts),
// each route has an operationId and its security (openapi-operations.ts): a client generator makes
// a good client of it (openapi-typescript.int.test.ts compiles one).
import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { apiErrors } from '@gpuq/shared';
import { nameComponents, registerOpenApiComponents } from './openapi-components.js';
import { JOB_REQUEST_EXAMPLES } from './openapi-examples.js';
import { KEY_SECURITY, withOperations } from './openapi-operations.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
export const API_VERSION = version;

/** Text for a Markdown table cell: Swagger UI renders Markdown, and would take `<key>` for an HTML tag and drop it. */
const markdownCell = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');

const errorTable = Object.entries(apiErrors)
  .map(([code, e]) => `| \`${code}\` | ${e.status} | ${markdownCell(e.message)} |`)
  .join('\n');

type Document = ReturnType<typeof jsonSchemaTransformObject>;
type Operations = Record<string, Record<string, { requestBody?: { content?: Record<string, Record<string, unknown>> } } | undefined> | undefined>;

/** The examples of POST /v1/jobs, beside the schema its body refers to. */
function withJobExamples(document: Document): Document {
  const media = (document.paths as Operations | undefined)?.['/v1/jobs']?.post?.requestBody?.content?.['application/json'];
  if (media) media.examples = JOB_REQUEST_EXAMPLES;
  return document;
}

export const swaggerPlugin = fp(
  async (app) => {
    registerOpenApiComponents();
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'gpuq',
          version,
          description: [
            'Submit GPU jobs (cuOpt solves, Boltz-2 folds, inference), poll them, get the answer.',
            '',
            'Send your API key as `Authorization: Bearer YOUR_KEY`, or as the password of HTTP Basic (as cuOpt’s client does). ' +
              '/healthz, /readyz, /metrics, /docs and /openapi.json need no key; the routes marked “Admins only” need a key with the admin role.',
            '',
            'Every error has one shape (`ErrorReply`): `{"error": {"code", "message", "details": [{"path", "message"}]}}`.',
            '',
            '| code | status | meaning |',
            '|---|---|---|',
            errorTable,
          ].join('\n'),
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'Your API key, as `Authorization: Bearer YOUR_KEY`.' },
            basicAuth: {
              type: 'http',
              scheme: 'basic',
              description: 'Your API key as the password, with any user name: how cuOpt’s client sends it from a `https://user:YOUR_KEY@host` URL or ~/.netrc. A key given as the user name with no password works too.',
            },
          },
        },
        security: KEY_SECURITY,
      },
      transform: withOperations(jsonSchemaTransform),
      transformObject: (document) => withJobExamples(nameComponents(jsonSchemaTransformObject(document))),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
