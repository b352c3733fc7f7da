// Content negotiation as the cuOpt 25.08 server does it (webserver.py, job_queue.py): header values
// compared as exact strings, and the reply encoding each route picks for an Accept header.

export type WireMedia = 'json' | 'msgpack' | 'zlib' | 'pickle';

/** The exact content types: application/json, application/vnd.msgpack, application/zlib, application/octet-stream. */
export const MEDIA_TYPES: Readonly<Record<WireMedia, string>> = Object.freeze({
  json: 'application/json',
  msgpack: 'application/vnd.msgpack',
  zlib: 'application/zlib',
  pickle: 'application/octet-stream',
});

/** The Accept wildcards cuOpt knows; any other wildcard (`application/json;q=0.9`, `text/*`) is unsupported. */
export const ACCEPT_WILDCARDS: readonly string[] = ['application/*', '*/*'];

const REQUEST_MEDIA: readonly WireMedia[] = ['json', 'msgpack', 'zlib', 'pickle'];
const REPLY_MEDIA: readonly WireMedia[] = ['json', 'msgpack', 'zlib'];

/** cuOpt prints its lists of types as Python does: `['application/json', ...]`. */
const pythonList = (media: readonly WireMedia[]) => `[${media.map((m) => `'${MEDIA_TYPES[m]}'`).join(', ')}]`;

const byType = (value: string, allowed: readonly WireMedia[]): WireMedia | undefined => allowed.find((m) => MEDIA_TYPES[m] === value);

/** A request body's encoding by its Content-Type, decided exactly as the real server decides it (no header = json); undefined when unsupported. */
export function requestMedia(contentType: string | undefined): WireMedia | undefined {
  if (contentType === undefined) return 'json';
  return byType(contentType, REQUEST_MEDIA);
}

/** The real server's 415 message for an unsupported Content-Type value. */
export function unsupportedContentTypeMessage(value: string): string {
  return `Unsupported Content-Type value ${value}, supported values are ${pythonList(REQUEST_MEDIA)}`;
}

/** The real server's 415 message for an unsupported Accept value. */
export function unsupportedAcceptMessage(value: string): string {
  return `Unsupported Accept value ${value}, supported values are ${pythonList(REPLY_MEDIA)}`;
}

export type ReplyRoute = 'submit' | 'solution' | 'incumbents' | 'request-status' | 'abort' | 'log' | 'health' | 'delete-solution';

/**
 * The encoding cuOpt's `encode()` picks for an Accept value taken as it came: JSON, msgpack or zlib
 * when named exactly, msgpack for a wildcard (it falls through to msgpack), JSON for anything else.
 * It is what every error raised before a route resolves its wildcard is encoded with, e.g. the 404
 * for an unknown id asked for with `Accept: *\/*`.
 */
export function rawAcceptMedia(accept: string | undefined): WireMedia {
  if (!accept) return 'json';
  if (ACCEPT_WILDCARDS.includes(accept)) return 'msgpack';
  return byType(accept, REPLY_MEDIA) ?? 'json';
}

/**
 * The reply encoding for a route and Accept header, as the real server decides (wildcards, the
 * request's own type for submit, msgpack fallbacks per route); or the 415 message when Accept is
 * unsupported. `requestMedia` is, for `submit`, the request body's encoding and, for `solution`,
 * the encoding the result was stored in at submit (omit it for an unknown id).
 */
export function replyMedia(accept: string | undefined, route: ReplyRoute, requestMedia?: WireMedia): { media: WireMedia } | { unsupported: string } {
  // FastAPI answers health with its own JSON whatever was asked; the status route never refuses.
  if (route === 'health') return { media: 'json' };
  if (route === 'request-status') return { media: rawAcceptMedia(accept) };
  if (!accept) return { media: 'json' };
  if (ACCEPT_WILDCARDS.includes(accept)) {
    switch (route) {
      case 'submit':
        return { media: requestMedia === undefined || requestMedia === 'pickle' ? 'json' : requestMedia };
      case 'solution':
        return { media: requestMedia ?? 'msgpack' };
      case 'incumbents':
        return { media: 'json' };
      default:
        return { media: 'msgpack' };
    }
  }
  const media = byType(accept, REPLY_MEDIA);
  return media ? { media } : { unsupported: unsupportedAcceptMessage(accept) };
}
