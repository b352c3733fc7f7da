// A request body the server cannot take, with the HTTP status the real cuOpt server answers for it.

export class WireDecodeError extends Error {
  constructor(
    message: string,
    /** 422 for a body that does not decode, 415 for an encoding this server refuses. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'WireDecodeError';
  }
}
