// Replies byte for byte as the cuOpt server's encoder (Python's msgpack) writes them: the
// expected bytes in the fixture were made by that library.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeReply } from '../src/index.js';

const replies = JSON.parse(readFileSync(new URL('./fixtures/python-msgpack-replies.json', import.meta.url), 'utf8')) as Record<
  string,
  { value: unknown; msgpack: string }
>;

describe('encodeReply', () => {
  it.each(Object.keys(replies))('writes %s in msgpack exactly as Python’s msgpack does', (name) => {
    const { value, msgpack } = replies[name]!;
    expect(encodeReply(value, 'msgpack')).toEqual({ contentType: 'application/vnd.msgpack', body: Buffer.from(msgpack, 'hex') });
  });

  it('writes JSON with the bare content type the thin client compares against', () => {
    const { contentType, body } = encodeReply({ reqId: 'x' }, 'json');
    expect(contentType).toBe('application/json');
    expect(body.toString()).toBe('{"reqId":"x"}');
    expect(encodeReply(null, 'json').body.toString()).toBe('null');
  });

  it('writes zlib as compressed JSON, and pickle replies as JSON', () => {
    const { contentType, body } = encodeReply({ a: [1, 2] }, 'zlib');
    expect(contentType).toBe('application/zlib');
    expect(JSON.parse(inflateSync(body).toString())).toEqual({ a: [1, 2] });
    expect(encodeReply({ a: 1 }, 'pickle').contentType).toBe('application/json');
  });
});
