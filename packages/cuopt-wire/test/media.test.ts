// Content negotiation, checked against the cuOpt 25.08 server's rules (webserver.py, job_queue.py).
import { describe, expect, it } from 'vitest';
import { rawAcceptMedia, replyMedia, requestMedia, unsupportedContentTypeMessage } from '../src/index.js';

describe('requestMedia', () => {
  it('reads a missing Content-Type as JSON and compares the others exactly', () => {
    expect(requestMedia(undefined)).toBe('json');
    expect(requestMedia('application/vnd.msgpack')).toBe('msgpack');
    expect(requestMedia('application/zlib')).toBe('zlib');
    expect(requestMedia('application/octet-stream')).toBe('pickle');
    expect(requestMedia('application/json; charset=utf-8')).toBeUndefined();
    expect(requestMedia('')).toBeUndefined();
  });

  it('words the 415 as cuOpt does, its list printed the Python way', () => {
    expect(unsupportedContentTypeMessage('text/plain')).toBe(
      "Unsupported Content-Type value text/plain, supported values are ['application/json', 'application/vnd.msgpack', 'application/zlib', 'application/octet-stream']",
    );
  });
});

describe('replyMedia', () => {
  it('gives submit the request’s own type for a wildcard, JSON for a pickled one', () => {
    expect(replyMedia('*/*', 'submit', 'msgpack')).toEqual({ media: 'msgpack' });
    expect(replyMedia('application/*', 'submit', 'zlib')).toEqual({ media: 'zlib' });
    expect(replyMedia('*/*', 'submit', 'pickle')).toEqual({ media: 'json' });
  });

  it('gives a solution the type stored at submit, and msgpack when there is none', () => {
    expect(replyMedia('*/*', 'solution', 'zlib')).toEqual({ media: 'zlib' });
    expect(replyMedia('*/*', 'solution')).toEqual({ media: 'msgpack' });
    expect(replyMedia('application/json', 'solution', 'msgpack')).toEqual({ media: 'json' });
  });

  it('falls through to msgpack for a wildcard on status, abort and log, and to JSON on incumbents', () => {
    for (const route of ['request-status', 'abort', 'log'] as const) expect(replyMedia('*/*', route)).toEqual({ media: 'msgpack' });
    expect(replyMedia('*/*', 'incumbents')).toEqual({ media: 'json' });
  });

  it('answers JSON for a missing or empty Accept', () => {
    expect(replyMedia(undefined, 'submit', 'msgpack')).toEqual({ media: 'json' });
    expect(replyMedia('', 'solution', 'msgpack')).toEqual({ media: 'json' });
  });

  it('refuses text/html with cuOpt’s message, except on the status route and health', () => {
    expect(replyMedia('text/html', 'submit', 'json')).toEqual({
      unsupported: "Unsupported Accept value text/html, supported values are ['application/json', 'application/vnd.msgpack', 'application/zlib']",
    });
    expect(replyMedia('text/html', 'request-status')).toEqual({ media: 'json' });
    expect(replyMedia('text/html', 'health')).toEqual({ media: 'json' });
    expect(replyMedia('application/json;q=0.9', 'log')).toHaveProperty('unsupported');
  });

  it('encodes errors raised before a wildcard is resolved as msgpack', () => {
    expect(rawAcceptMedia('*/*')).toBe('msgpack');
    expect(rawAcceptMedia('text/html')).toBe('json');
    expect(rawAcceptMedia('application/zlib')).toBe('zlib');
  });
});
