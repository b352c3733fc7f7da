// Request bodies as the cuOpt server's deserialize() reads them: JSON (Python's dialect),
// zlib-compressed JSON, msgpack with msgpack-numpy arrays, and pickle, which is refused.
import { inflateSync } from 'node:zlib';
import { Unpackr } from 'msgpackr';
import { MEDIA_TYPES, requestMedia, type WireMedia } from './media.js';
import { decodeNumpy } from './numpy-array.js';
import { parsePythonJson } from './python-json.js';
import { WireDecodeError } from './wire-decode-error.js';

export interface DecodeOptions {
  /** Pickle is refused (415) unless this is set; this package has no pickle decoder, so it is refused then too. */
  allowPickle: boolean;
  /** Largest inflated size of a zlib body. @defaultValue 1 GiB */
  maxInflatedBytes?: number;
}

const DEFAULT_MAX_INFLATED_BYTES = 1024 ** 3;

// Maps stay Maps so that msgpack-numpy's bin keys survive; plain values only (no records, no
// structured clones), and 64-bit integers as numbers, as Python reads them as ints.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, int64AsType: 'number', moreTypes: false });

/** What the server says when it will not take a pickled body. */
export const PICKLE_REFUSED_MESSAGE =
  `This server does not take pickled request bodies (Content-Type ${MEDIA_TYPES.pickle}): unpickling can run code. ` +
  `Send JSON (${MEDIA_TYPES.json}), msgpack (${MEDIA_TYPES.msgpack}) or zlib-compressed JSON (${MEDIA_TYPES.zlib}); ` +
  `NVIDIA's thin client sends msgpack unless CUOPT_PREFER_PICKLE is set.`;

const loadError = (why: string) => new WireDecodeError(`unable to load optimization data stream, ${why}`, 422);

const keyText = (key: unknown): string => (Buffer.isBuffer(key) ? key.toString('utf8') : String(key));

/** msgpack's Maps → plain objects, msgpack-numpy maps (those with a bin `nd` key) → arrays. */
function fromMsgpack(value: unknown): unknown {
  if (value instanceof Map) {
    const isNumpy = [...value.keys()].some((k) => Buffer.isBuffer(k) && k.toString('latin1') === 'nd');
    const entries = [...value.entries()].map(([k, v]) => [keyText(k), v] as const);
    if (isNumpy) return decodeNumpy(new Map(entries));
    return Object.fromEntries(entries.map(([k, v]) => [k, fromMsgpack(v)]));
  }
  if (Array.isArray(value)) return value.map(fromMsgpack);
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

function utf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw loadError("'utf-8' codec can't decode the body");
  }
}

/**
 * Decodes a request body: msgpack (msgpack-numpy arrays become plain number/boolean arrays), zlib
 * (inflated JSON), JSON; pickle only when allowPickle, else throws WireDecodeError with status 415
 * and a message saying the server does not take pickled bodies and what to send instead.
 */
export function decodeRequestBody(body: Buffer, media: WireMedia, options: DecodeOptions): unknown {
  if (media === 'pickle') {
    throw new WireDecodeError(
      options.allowPickle ? `${PICKLE_REFUSED_MESSAGE} (This build has no safe pickle decoder, so allowing pickle changes nothing.)` : PICKLE_REFUSED_MESSAGE,
      415,
    );
  }
  try {
    switch (media) {
      case 'json':
        return parsePythonJson(utf8(body));
      case 'zlib': {
        let inflated: Buffer;
        try {
          inflated = inflateSync(body, { maxOutputLength: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES });
        } catch (err) {
          throw loadError(`Error while decompressing data: ${(err as Error).message}`);
        }
        return parsePythonJson(utf8(inflated));
      }
      case 'msgpack':
        return fromMsgpack(unpackr.unpack(body));
    }
  } catch (err) {
    if (err instanceof WireDecodeError) throw err;
    throw loadError((err as Error).message);
  }
}

/**
 * A batch sent as a list of [content type, bytes] pairs — what the thin client sends for a list of
 * files — becomes the list of its decoded problems, each by its own content type; any other value
 * is returned as it is.
 */
export function unpackTupleBatch(value: unknown, options: DecodeOptions): unknown {
  const isPair = (item: unknown): item is [string, Buffer] =>
    Array.isArray(item) && item.length === 2 && typeof item[0] === 'string' && Buffer.isBuffer(item[1]);
  if (!Array.isArray(value) || value.length === 0 || !value.every(isPair)) return value;
  // cuOpt decodes any type it does not know as msgpack.
  return value.map(([type, bytes]) => decodeRequestBody(bytes, requestMedia(type) ?? 'msgpack', options));
}
