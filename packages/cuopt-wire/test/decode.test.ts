// Request bodies exactly as NVIDIA's thin client (cuopt_sh_client 25.08) sent them, captured on
// the wire; each decodes to what the cuOpt server's Python decodes it to (the .expected.json beside it).
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeRequestBody, parsePythonJson, unpackTupleBatch, WireDecodeError, type WireMedia } from '../src/index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const expected = (name: string) => parsePythonJson(fixture(`${name}.expected.json`).toString('utf8'));
const options = { allowPickle: false };

function failure(fn: () => unknown): WireDecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireDecodeError) return err;
    throw err;
  }
  throw new Error('expected a WireDecodeError');
}

describe('decodeRequestBody on the thin client’s bytes', () => {
  it.each<[string, WireMedia]>([
    ['lp-dict.msgpack', 'msgpack'],
    ['lp-file.json', 'json'],
    ['mps.zlib', 'zlib'],
  ])('decodes %s as the server does', (name, media) => {
    expect(decodeRequestBody(fixture(name), media, options)).toEqual(expected(name));
  });

  it('turns the MPS path’s msgpack-numpy arrays into plain numbers and strings, infinities kept', () => {
    const lp = decodeRequestBody(fixture('mps-numpy.msgpack'), 'msgpack', options) as Record<string, Record<string, unknown>>;
    expect(lp).toEqual(expected('mps-numpy.msgpack'));
    expect(lp.constraint_bounds).toEqual({ bounds: [24, 6], upper_bounds: [24, 6], lower_bounds: [-Infinity, -Infinity], types: [] });
    expect(lp.variable_types).toEqual(['I', 'I']);
  });

  it('decodes a batch of files, sent as [content type, bytes] pairs, each by its own type', () => {
    const pairs = decodeRequestBody(fixture('batch-files.msgpack'), 'msgpack', options);
    expect(unpackTupleBatch(pairs, options)).toEqual(expected('batch-files.msgpack'));
  });

  it('refuses the client’s pickled body with a 415 that says what to send instead', () => {
    const err = failure(() => decodeRequestBody(fixture('mps-numpy.pickle'), 'pickle', options));
    expect(err.status).toBe(415);
    expect(err.message).toMatch(/does not take pickled request bodies.*application\/vnd\.msgpack/);
    expect(failure(() => decodeRequestBody(fixture('mps-numpy.pickle'), 'pickle', { allowPickle: true })).status).toBe(415);
  });
});

describe('decodeRequestBody on other input', () => {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const numpy = (type: string, shape: number[], data: Buffer) =>
    new Map<unknown, unknown>([
      [Buffer.from('nd'), true],
      [Buffer.from('type'), type],
      [Buffer.from('kind'), Buffer.alloc(0)],
      [Buffer.from('shape'), shape],
      [Buffer.from('data'), data],
    ]);

  it('reads numpy dtypes by their byte order and width, and 2-D arrays row by row', () => {
    const f4be = Buffer.alloc(8);
    f4be.writeFloatBE(1.5, 0);
    f4be.writeFloatBE(-2, 4);
    const i8 = Buffer.alloc(16);
    i8.writeBigInt64LE(-3n, 0);
    i8.writeBigInt64LE(2n ** 40n, 8);
    const u2 = Buffer.from('4100000042000000430000004400000045000000', 'hex');
    const body = packr.pack(new Map<unknown, unknown>([
      ['f', numpy('>f4', [2], f4be)],
      ['i', numpy('<i8', [2], i8)],
      ['b', numpy('|b1', [2, 2], Buffer.from([1, 0, 0, 1]))],
      ['s', numpy('<U1', [5], u2)],
    ]));
    expect(decodeRequestBody(body, 'msgpack', options)).toEqual({ f: [1.5, -2], i: [-3, 2 ** 40], b: [[true, false], [false, true]], s: ['A', 'B', 'C', 'D', 'E'] });
  });

  it('refuses numpy object arrays, which msgpack-numpy would unpickle', () => {
    const body = packr.pack(new Map([['x', new Map<unknown, unknown>([...numpy('|O', [1], Buffer.alloc(8)), [Buffer.from('kind'), Buffer.from('O')]])]]));
    const err = failure(() => decodeRequestBody(body, 'msgpack', options));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^unable to load optimization data stream, numpy object arrays/);
  });

  it('answers 422 with cuOpt’s prefix for bytes that do not decode', () => {
    for (const [bytes, media] of [[Buffer.from('{"a": '), 'json'], [Buffer.from('not zlib'), 'zlib'], [Buffer.from([0x92, 0x01]), 'msgpack']] as const) {
      const err = failure(() => decodeRequestBody(bytes, media, options));
      expect(err.status).toBe(422);
      expect(err.message).toMatch(/^unable to load optimization data stream, /);
    }
  });

  it('reads Python’s NaN and Infinity in JSON, but not inside strings', () => {
    const body = Buffer.from('{"a": [Infinity, -Infinity, NaN], "b": "NaN Infinity"}');
    expect(decodeRequestBody(body, 'json', options)).toEqual({ a: [Infinity, -Infinity, NaN], b: 'NaN Infinity' });
    expect(decodeRequestBody(deflateSync(body), 'zlib', options)).toEqual({ a: [Infinity, -Infinity, NaN], b: 'NaN Infinity' });
  });

  it('stops a zlib body that inflates past the limit', () => {
    expect(failure(() => decodeRequestBody(deflateSync(Buffer.alloc(10_000, 32)), 'zlib', { allowPickle: false, maxInflatedBytes: 1_000 })).status).toBe(422);
  });

  it('leaves a list that is not [content type, bytes] pairs alone', () => {
    expect(unpackTupleBatch([{ a: 1 }], options)).toEqual([{ a: 1 }]);
    expect(unpackTupleBatch([['application/json', Buffer.from('{"a": 1}')]], options)).toEqual([{ a: 1 }]);
  });
});
