/** Byte helpers for Bitcoin serialization: hex in and out of hashes, CompactSize, a growable writer and a bounds-checked reader. */
import { Sv2Error } from '../codec/sv2-error.js';
import { bytesToHex, hexToBytesOrNull } from '../codec/hex.js';

/** Malformed Bitcoin bytes (a truncated transaction, a bad CompactSize, ...). */
export class BitcoinDecodeError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_BITCOIN_DECODE', message, options);
  }
}

/** The codec's hex decoding, failing as Bitcoin data does (RPC and descriptor input). */
export function fromHex(hex: string): Uint8Array {
  const bytes = hexToBytesOrNull(hex);
  if (bytes === null) throw new BitcoinDecodeError(`not a hex string: ${hex.slice(0, 40)}`);
  return bytes;
}

/** A reversed copy: hashes are displayed (RPC, explorers) in the reverse of their internal byte order. */
export function reversed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[bytes.length - 1 - i]!;
  return out;
}

/** Internal-order hash → display hex (as bitcoind prints block hashes and txids). */
export function hashToDisplay(hash: Uint8Array): string {
  return bytesToHex(reversed(hash));
}

/** Display hex (bitcoind's form) → internal-order 32-byte hash. */
export function hashFromDisplay(hex: string): Uint8Array {
  const bytes = fromHex(hex);
  if (bytes.length !== 32) throw new BitcoinDecodeError(`a hash is 32 bytes, got ${bytes.length}`);
  return reversed(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

export function encodeCompactSize(n: number): Uint8Array {
  const w = new ByteWriter(9);
  w.compactSize(n);
  return w.finish();
}

/** Appends little-endian fields to a buffer that grows as needed. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  compactSize(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`CompactSize out of range: ${n}`);
    if (n < 0xfd) return this.u8(n);
    if (n <= 0xffff) {
      this.u8(0xfd).reserve(2);
      this.view.setUint16(this.pos, n, true);
      this.pos += 2;
      return this;
    }
    if (n <= 0xffffffff) return this.u8(0xfe).u32(n);
    return this.u8(0xff).u64(BigInt(n));
  }

  /** CompactSize length followed by the bytes. */
  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads little-endian fields; every read is bounds-checked and throws BitcoinDecodeError past the end. */
export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new BitcoinDecodeError(`truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.buf.length - this.pos}`);
    }
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view into the underlying buffer (no copy). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A canonical CompactSize, at most `max` (guards allocations driven by untrusted lengths). */
  compactSize(what = 'CompactSize', max = 0x02000000): number {
    const first = this.u8(what);
    let n: number;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2, what);
      n = this.view.getUint16(this.pos, true);
      this.pos += 2;
      if (n < 0xfd) throw new BitcoinDecodeError(`non-canonical ${what}`);
    } else if (first === 0xfe) {
      n = this.u32(what);
      if (n <= 0xffff) throw new BitcoinDecodeError(`non-canonical ${what}`);
    } else {
      const big = this.u64(what);
      if (big <= 0xffffffffn) throw new BitcoinDecodeError(`non-canonical ${what}`);
      n = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    }
    if (n > max) throw new BitcoinDecodeError(`${what} too large: ${n}`);
    return n;
  }

  varBytes(what = 'bytes'): Uint8Array {
    const n = this.compactSize(what);
    return this.bytes(n, what);
  }
}
