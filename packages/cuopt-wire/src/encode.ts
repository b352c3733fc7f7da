// Reply bodies as the cuOpt server writes them: the exact content type (no charset), JSON,
// msgpack of the same value, or JSON compressed at zlib level 1.
import { deflateSync, constants } from 'node:zlib';
import { Packr } from 'msgpackr';
import { MEDIA_TYPES, type WireMedia } from './media.js';

// Smallest map headers and no msgpackr extensions, as Python's msgpack writes them.
const packr = new Packr({ useRecords: false, variableMapSize: true, moreTypes: false, encodeUndefinedAsNil: true });

const jsonBytes = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');

/** Encodes a reply body; contentType is the exact string (no charset). Pickle replies are encoded as JSON (as the real server does). */
export function encodeReply(value: unknown, media: WireMedia): { contentType: string; body: Buffer } {
  switch (media) {
    case 'msgpack':
      return { contentType: MEDIA_TYPES.msgpack, body: packr.pack(value) };
    case 'zlib':
      return { contentType: MEDIA_TYPES.zlib, body: deflateSync(jsonBytes(value), { level: constants.Z_BEST_SPEED }) };
    case 'json':
    case 'pickle':
      return { contentType: MEDIA_TYPES.json, body: jsonBytes(value) };
  }
}
