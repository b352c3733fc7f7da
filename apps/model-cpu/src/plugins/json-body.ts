// Bodies are JSON and nothing else: a body of any other content type is answered 415 by Fastify,
// and no body at all is `invalid_request`. Parse errors keep JSON.parse's words (where it broke),
// which Fastify's own parser drops.
import fp from 'fastify-plugin';
import { ModelServerError } from '../errors.js';
import { modelServer } from '@gpuq/shared';

const EXAMPLE = modelServer.EXAMPLE_BODY;

export const jsonBodyPlugin = fp(
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = body as string;
      if (text.trim() === '') return done(new ModelServerError('invalid_request', `the body is empty; send ${EXAMPLE}`));
      try {
        // Plain JSON.parse is safe here: a "__proto__" key becomes an own property, and the zod
        // schemas copy only the fields they know into new objects.
        done(null, JSON.parse(text));
      } catch (err) {
        done(new ModelServerError('invalid_request', `the body is not valid JSON (${(err as Error).message}); send ${EXAMPLE}`));
      }
    });
    // No body and no content type: no parser ran, and the body reads as null, as JSON `null` would.
    app.addHook('preValidation', async (request) => {
      if (request.body == null && request.headers['content-type'] === undefined && request.method === 'POST') {
        throw new ModelServerError('invalid_request', `the body is empty; send ${EXAMPLE}`);
      }
    });
  },
  { name: 'json-body' },
);
