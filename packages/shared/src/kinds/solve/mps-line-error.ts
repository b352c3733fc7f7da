// The error every step of reading MPS throws, carrying the line to blame; mps.ts turns it into an
// MpsError. Its own module so that the reader and the model, which both throw it, need not import each other.

export class MpsLineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'MpsLineError';
  }
}

export function fail(line: number, message: string): never {
  throw new MpsLineError(line, message);
}
