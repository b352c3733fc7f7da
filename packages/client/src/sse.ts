// Server-sent events, read as the HTML standard says (§9.2.6): lines end in CRLF, LF or CR (even
// split across chunks), `:` starts a comment (keep-alives), several `data:` lines join with "\n",
// one space after the colon is dropped, a blank line dispatches, and `id:` / `retry:` are kept
// for reconnecting. An event the stream cut off before its blank line is dropped.

export interface ServerSentEvent {
  /** `message` unless the event named another type. */
  event: string;
  data: string;
  /** The last event id seen so far in the stream ('' when none): what Last-Event-ID sends back. */
  lastEventId: string;
}

export class SseParser {
  /** The stream's last `id:`, kept across events. */
  lastEventId = '';
  /** The reconnection delay the server asked for with `retry:`. */
  retryMs: number | undefined;
  private buffer = '';
  private isStart = true;
  /** The previous chunk ended in CR: a LF that starts this one belongs to it. */
  private isAfterCr = false;
  private eventType = '';
  private data: string[] = [];

  /** Feeds decoded text; returns the events it completed. */
  feed(text: string): ServerSentEvent[] {
    if (this.isStart && text.length > 0) {
      this.isStart = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    if (this.isAfterCr && text.startsWith('\n')) text = text.slice(1);
    this.isAfterCr = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = lineEnd.exec(this.buffer); match; match = lineEnd.exec(this.buffer)) {
      // A CR at the very end may be the first half of a CRLF still in flight.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) this.isAfterCr = true;
      const event = this.line(this.buffer.slice(start, match.index));
      if (event) events.push(event);
      start = match.index + match[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
      // Unknown fields are ignored, as the standard says.
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event = this.data.length === 0 ? undefined : { event: this.eventType || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId };
    this.eventType = '';
    this.data = [];
    return event;
  }
}

/** The events of a response body, in order, until it ends. */
export async function* readServerSentEvents(body: AsyncIterable<Uint8Array>, parser: SseParser = new SseParser()): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  for await (const chunk of body) yield* parser.feed(decoder.decode(chunk, { stream: true }));
  yield* parser.feed(decoder.decode());
}
