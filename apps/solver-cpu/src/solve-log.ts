// One request's solver log, as cuOpt keeps it in `log_<id>`: text appended while the solve runs,
// read from a byte offset. Kept in memory here instead of in a file.

export interface LogRead {
  /** The text from the offset on, split on newlines (a last partial line included). */
  log: string[];
  /** The offset to read from next: the log's size, or the offset asked for when beyond it. */
  nbytes: number;
}

export class SolveLog {
  private parts: Buffer[] = [];
  private size = 0;
  updatedAt = Date.now();

  append(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.parts.push(bytes);
    this.size += bytes.length;
    this.updatedAt = Date.now();
  }

  get bytes(): number {
    return this.size;
  }

  /** As cuOpt's `open(); seek(frombyte); read(); tell()`. */
  read(fromByte: number): LogRead {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)];
    const all = this.parts[0] ?? Buffer.alloc(0);
    const text = fromByte < all.length ? all.subarray(fromByte).toString('utf8') : '';
    return { log: text.split('\n'), nbytes: Math.max(fromByte, all.length) };
  }
}
