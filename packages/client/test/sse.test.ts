import { describe, expect, it } from 'vitest';
import { readServerSentEvents, SseParser } from '../src/sse.js';

const feedAll = (chunks: string[]) => {
  const parser = new SseParser();
  return { events: chunks.flatMap((chunk) => parser.feed(chunk)), parser };
};

describe('SseParser', () => {
  it('reads the API’s stream: typed events with JSON data, keep-alive comments skipped', () => {
    const { events } = feedAll(['event: job\ndata: {"id":"a"}\n\n: keep-alive\n\nevent: end\ndata: {"id":"a","status":"succeeded"}\n\n']);
    expect(events).toEqual([
      { event: 'job', data: '{"id":"a"}', lastEventId: '' },
      { event: 'end', data: '{"id":"a","status":"succeeded"}', lastEventId: '' },
    ]);
  });

  it('joins several data lines with newlines and names an untyped event "message"', () => {
    expect(feedAll(['data: first\ndata:second\ndata:  third\n\n']).events).toEqual([{ event: 'message', data: 'first\nsecond\n third', lastEventId: '' }]);
  });

  it('completes an event only at its blank line, however the chunks fall', () => {
    const text = 'event: job\ndata: {"a":1}\n\nevent: job\ndata: {"a":2}\n\n';
    const whole = feedAll([text]).events;
    for (let cut = 1; cut < text.length; cut++) {
      expect(feedAll([text.slice(0, cut), text.slice(cut)]).events, `cut at ${cut}`).toEqual(whole);
    }
    expect(feedAll(text.split('')).events).toEqual(whole);
  });

  it('takes CRLF and lone CR as line ends, even a CRLF split across chunks', () => {
    const expected = [{ event: 'job', data: 'x', lastEventId: '' }];
    expect(feedAll(['event: job\r\ndata: x\r\n\r\n']).events).toEqual(expected);
    expect(feedAll(['event: job\rdata: x\r\r']).events).toEqual(expected);
    expect(feedAll(['event: job\r', '\ndata: x\r', '\n\r', '\n']).events).toEqual(expected);
  });

  it('dispatches at a lone CR at once rather than waiting for the next chunk', () => {
    const parser = new SseParser();
    expect(parser.feed('data: now\r\r')).toEqual([{ event: 'message', data: 'now', lastEventId: '' }]);
    expect(parser.feed('\ndata: next\n\n')).toEqual([{ event: 'message', data: 'next', lastEventId: '' }]);
  });

  it('keeps the last id across events, and the retry time the server asks for', () => {
    const { events, parser } = feedAll(['id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nid\ndata: c\n\nretry: soon\n\n']);
    expect(events.map((e) => e.lastEventId)).toEqual(['7', '7', '']);
    expect(parser.retryMs).toBe(1500);
  });

  it('skips blocks without data, unknown fields and a leading byte-order mark', () => {
    expect(feedAll(['\uFEFFevent: job\n\nfoo: bar\ndata\n\n']).events).toEqual([{ event: 'message', data: '', lastEventId: '' }]);
  });

  it('does not let an event type leak into the next event', () => {
    expect(feedAll(['event: job\n\ndata: plain\n\n']).events).toEqual([{ event: 'message', data: 'plain', lastEventId: '' }]);
  });
});

describe('readServerSentEvents', () => {
  it('decodes UTF-8 split across chunks and drops an event the stream cut off', async () => {
    const bytes = new TextEncoder().encode('event: job\ndata: {"name":"Ångström ✓"}\n\nevent: job\ndata: {"cut":');
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
    }
    const events = [];
    for await (const event of readServerSentEvents(chunks())) events.push(event);
    expect(events).toEqual([{ event: 'job', data: '{"name":"Ångström ✓"}', lastEventId: '' }]);
  });
});
