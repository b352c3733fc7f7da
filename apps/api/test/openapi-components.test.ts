// nameComponents: one component per shared schema where one will do, both forms where they differ.
import { describe, expect, it } from 'vitest';
import { nameComponents } from '../src/plugins/openapi-components.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('nameComponents', () => {
  const document = {
    paths: {
      '/a': { post: { requestBody: ref('RequestOnlyInput'), responses: { 200: ref('Differs'), 201: ref('Same'), 202: ref('WithSame') } } },
      '/b': { post: { requestBody: [ref('DiffersInput'), ref('SameInput'), ref('WithSameInput')] } },
    },
    components: {
      schemas: {
        RequestOnly: { type: 'object', required: ['n'] },
        RequestOnlyInput: { type: 'object', properties: { same: ref('SameInput') } },
        Differs: { type: 'object', required: ['priority'] },
        DiffersInput: { type: 'object' },
        Same: { type: 'string' },
        SameInput: { type: 'string' },
        // Equal once the refs inside are merged: the request form refers to SameInput, the reply's to Same.
        WithSame: { items: ref('Same') },
        WithSameInput: { items: ref('SameInput') },
        Unused: { type: 'number' },
        UnusedInput: { type: 'number' },
      },
    },
  };

  it('keeps a request-only schema under its own name, merges equal forms, and keeps both forms of one that differs', () => {
    const named = nameComponents(document, ['RequestOnly', 'Differs', 'Same', 'WithSame', 'Unused']);
    expect(named.components.schemas).toEqual({
      RequestOnly: { type: 'object', properties: { same: ref('Same') } },
      Differs: { type: 'object', required: ['priority'] },
      DiffersInput: { type: 'object' },
      Same: { type: 'string' },
      WithSame: { items: ref('Same') },
      Unused: { type: 'number' },
    });
    expect(named.paths['/a'].post.requestBody).toEqual(ref('RequestOnly'));
    expect(named.paths['/b'].post.requestBody).toEqual([ref('DiffersInput'), ref('Same'), ref('WithSame')]);
  });
});
