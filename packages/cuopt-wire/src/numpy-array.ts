// msgpack-numpy's wire form of a numpy value, as NVIDIA's thin client sends it: a msgpack map
// with bin keys `nd`, `type` (the dtype string, e.g. '<f8'), `kind`, `shape` and `data` (the raw
// bytes); `nd: false` marks a scalar. Decoded to plain numbers, booleans and strings, never by
// unpickling (msgpack-numpy unpickles object arrays: those are refused).

const DTYPE = /^([<>|=])([bifuUS])(\d+)$/;

export class NumpyDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumpyDecodeError';
  }
}

type Reader = (data: Buffer, offset: number) => number | boolean | string;

function readerFor(dtype: string): { itemBytes: number; read: Reader } {
  const match = DTYPE.exec(dtype);
  if (!match) throw new NumpyDecodeError(`data type ${JSON.stringify(dtype)} not understood`);
  const [, order, kind, sizeText] = match as unknown as [string, string, string, string];
  const size = Number(sizeText);
  const little = order !== '>';
  switch (`${kind}${size}`) {
    case 'b1':
      return { itemBytes: 1, read: (d, o) => d[o] !== 0 };
    case 'i1':
      return { itemBytes: 1, read: (d, o) => d.readInt8(o) };
    case 'u1':
      return { itemBytes: 1, read: (d, o) => d.readUInt8(o) };
    case 'i2':
      return { itemBytes: 2, read: little ? (d, o) => d.readInt16LE(o) : (d, o) => d.readInt16BE(o) };
    case 'u2':
      return { itemBytes: 2, read: little ? (d, o) => d.readUInt16LE(o) : (d, o) => d.readUInt16BE(o) };
    case 'i4':
      return { itemBytes: 4, read: little ? (d, o) => d.readInt32LE(o) : (d, o) => d.readInt32BE(o) };
    case 'u4':
      return { itemBytes: 4, read: little ? (d, o) => d.readUInt32LE(o) : (d, o) => d.readUInt32BE(o) };
    case 'i8':
      return { itemBytes: 8, read: little ? (d, o) => Number(d.readBigInt64LE(o)) : (d, o) => Number(d.readBigInt64BE(o)) };
    case 'u8':
      return { itemBytes: 8, read: little ? (d, o) => Number(d.readBigUInt64LE(o)) : (d, o) => Number(d.readBigUInt64BE(o)) };
    case 'f4':
      return { itemBytes: 4, read: little ? (d, o) => d.readFloatLE(o) : (d, o) => d.readFloatBE(o) };
    case 'f8':
      return { itemBytes: 8, read: little ? (d, o) => d.readDoubleLE(o) : (d, o) => d.readDoubleBE(o) };
  }
  if (kind === 'U') {
    // UCS-4 code points, NUL-padded to the dtype's width.
    return {
      itemBytes: 4 * size,
      read: (d, o) => {
        let text = '';
        for (let k = 0; k < size; k++) {
          const code = little ? d.readUInt32LE(o + 4 * k) : d.readUInt32BE(o + 4 * k);
          if (code === 0) break;
          text += String.fromCodePoint(code);
        }
        return text;
      },
    };
  }
  if (kind === 'S') {
    return { itemBytes: size, read: (d, o) => d.subarray(o, o + size).toString('latin1').replace(/\0+$/, '') };
  }
  throw new NumpyDecodeError(`data type ${JSON.stringify(dtype)} is not supported`);
}

function toShape(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (!Array.isArray(value) || !value.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
    throw new NumpyDecodeError('shape must be a list of non-negative integers');
  }
  return value as number[];
}

/** A decoded msgpack-numpy map (its keys as strings) → nested arrays, or a scalar. */
export function decodeNumpy(fields: ReadonlyMap<string, unknown>): unknown {
  const kind = fields.get('kind');
  if (Buffer.isBuffer(kind) && kind.length > 0) {
    const k = kind.toString('latin1');
    throw new NumpyDecodeError(
      k === 'O' ? 'numpy object arrays are pickled by msgpack-numpy and are not accepted' : `numpy arrays of kind '${k}' are not supported`,
    );
  }
  const type = fields.get('type');
  const data = fields.get('data');
  if (typeof type !== 'string') throw new NumpyDecodeError('numpy value without a dtype string');
  if (!Buffer.isBuffer(data)) throw new NumpyDecodeError('numpy value without its data bytes');
  const { itemBytes, read } = readerFor(type);
  if (fields.get('nd') !== true) {
    if (data.length < itemBytes) throw new NumpyDecodeError('buffer is smaller than requested size');
    return read(data, 0);
  }
  const shape = toShape(fields.get('shape'));
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length < count * itemBytes) throw new NumpyDecodeError('buffer is too small for requested array');
  let offset = 0;
  // Row-major (C order), as msgpack-numpy writes a C-contiguous copy.
  const build = (dim: number): unknown[] => {
    const out = new Array<unknown>(shape[dim]!);
    for (let i = 0; i < shape[dim]!; i++) {
      if (dim === shape.length - 1) {
        out[i] = read(data, offset);
        offset += itemBytes;
      } else {
        out[i] = build(dim + 1);
      }
    }
    return out;
  };
  return shape.length === 0 ? read(data, 0) : build(0);
}
