import { Sv2DecodeError } from './errors.js';

/** A cursor over a byte slice that refuses to read past its end. */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Advances past `n` bytes and returns where they start. */
  take(n: number, what: string): number {
    const at = this.pos;
    if (n > this.end - at) {
      throw new Sv2DecodeError('short-buffer', `${what} needs ${n} bytes, ${this.end - at} left`);
    }
    this.pos = at + n;
    return at;
  }

  /** Like take, for a length that came from the wire. */
  takeLength(n: number, what: string): number {
    const at = this.pos;
    if (n > this.end - at) {
      throw new Sv2DecodeError('length-past-end', `${what} declares ${n} bytes, ${this.end - at} left`);
    }
    this.pos = at + n;
    return at;
  }
}
