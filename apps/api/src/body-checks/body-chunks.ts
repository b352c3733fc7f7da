// A request body as the chunks it arrived in, not joined: a large body goes to a body-check thread
// chunk by chunk, each chunk's memory moved rather than copied, so the requests' thread never
// copies megabytes (Fastify's own reading joins them into one fresh buffer here). Limits are
// Fastify's: the declared length, the received length, and a declared length that does not match.
import type { Readable } from 'node:stream';
import { ApiError } from '../errors.js';

export function byteLengthOf(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  return total;
}

/** The chunks as one buffer (no copy when there is one chunk). */
export function joined(chunks: readonly Uint8Array[]): Buffer {
  if (chunks.length === 1) return Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength);
  return Buffer.concat(chunks);
}

/** The ArrayBuffers to move with a message: those the chunks own whole, each once (others are copied). */
export function transferablesOf(chunks: readonly Uint8Array[]): ArrayBuffer[] {
  const owned = new Set<ArrayBuffer>();
  for (const chunk of chunks) {
    const buffer = chunk.buffer;
    if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) owned.add(buffer);
  }
  return [...owned];
}

/**
 * Reads `payload` to its end; refuses past `limit` bytes (declared or received) with 413. A body over
 * the limit is read to its end and thrown away while it stays within `drainLimit` bytes in all, so
 * that a client writing it all before reading the answer (Python's urllib) is still there to read
 * the 413 (Fastify then closes the connection); past `drainLimit`, or declared larger, it is refused
 * at once. The request timeout bounds how long that reading may take.
 */
export function readChunks(payload: Readable, declaredLength: string | undefined, limit: number, drainLimit = limit): Promise<Uint8Array[]> {
  const declared = declaredLength === undefined ? Number.NaN : Number(declaredLength);
  if (declared > Math.max(limit, drainLimit)) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    let chunks: Uint8Array[] = [];
    let received = 0;
    let isTooLarge = declared > limit;
    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.byteLength;
      if (received > limit && !isTooLarge) {
        isTooLarge = true;
        chunks = [];
      }
      if (isTooLarge) {
        if (received > drainLimit) {
          stop();
          reject(tooLarge(limit));
        }
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      stop();
      if (isTooLarge) {
        reject(tooLarge(limit));
        return;
      }
      if (!Number.isNaN(declared) && received !== declared) {
        const message = `the body has ${received} bytes; its Content-Length said ${declared}`;
        reject(new ApiError('validation_failed', message, [{ path: '(body)', message }]));
        return;
      }
      resolve(chunks);
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}

const tooLarge = (limit: number) => new ApiError('payload_too_large', `The body is larger than this server accepts (${limit} bytes).`);
