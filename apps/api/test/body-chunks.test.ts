// Reading a body within its limit: one over it is read to its end and thrown away (so the client is
// still there for its 413) while it stays within the drain bound, and refused at once past it.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readChunks } from '../src/body-checks/body-chunks.js';

const KIB = 1024;

/** A body of `count` 1 KiB chunks, one per turn of the event loop as a socket gives them, counting those read. */
function body(count: number) {
  let read = 0;
  const stream = new Readable({
    read() {
      setImmediate(() => {
        if (read === count) {
          this.push(null);
          return;
        }
        read++;
        this.push(Buffer.alloc(KIB, 0x20));
      });
    },
  });
  return { stream, read: () => read };
}

describe('readChunks', () => {
  it('gives the chunks of a body within the limit', async () => {
    const { stream } = body(4);
    expect((await readChunks(stream, String(4 * KIB), 4 * KIB, 16 * KIB)).length).toBe(4);
  });

  it('reads a body over the limit to its end before refusing it with 413, while within the drain bound', async () => {
    const { stream, read } = body(12);
    await expect(readChunks(stream, undefined, 4 * KIB, 16 * KIB)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(read()).toBe(12);
  });

  it('refuses a body past the drain bound as soon as it passes it', async () => {
    const { stream, read } = body(100);
    const readWhenRefused = await readChunks(stream, undefined, 4 * KIB, 16 * KIB).then(
      () => Number.NaN,
      (err: { code?: string }) => (err.code === 'payload_too_large' ? read() : Number.NaN),
    );
    expect(readWhenRefused).toBeGreaterThan(16);
    expect(readWhenRefused).toBeLessThan(100);
  });

  it('refuses at once a body declared larger than the drain bound, reading none of it', async () => {
    const { stream, read } = body(100);
    await expect(readChunks(stream, String(100 * KIB), 4 * KIB, 16 * KIB)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(read()).toBe(0);
  });
});
