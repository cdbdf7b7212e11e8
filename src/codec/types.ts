import { Sv2DecodeError, Sv2EncodeError } from './errors.js';
import type { Reader } from './reader.js';
import { bytesToHex, hexToBytes } from './hex.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Decoded byte fields (U256, B0_*, PUBKEY, SIGNATURE) are views into the decoded buffer, not
 * copies: the transport hands every frame its own buffer, so holding a field is safe; a caller
 * that reuses its input buffer must copy what it keeps.
 *
 * One Sv2 data type: how a value is sized, written, read and shown as JSON.
 * `size` also validates, so an encoder calls it once before writing anything.
 */
export interface Codec<T> {
  readonly kind: string;
  /** Encoded size when every value has the same size, otherwise undefined. */
  readonly fixedSize: number | undefined;
  /** The smallest possible encoding, used to bound a sequence count before allocating. */
  readonly minSize: number;
  /** The element type of a SEQ or OPTION. */
  readonly item?: Codec<unknown>;
  /**
   * For fixed-size types: JS source of an expression that reads the value from Uint8Array `b` at
   * offset `o` (both expressions), bounds already checked. A message made only of such fields
   * compiles into one straight-line decoder (message.ts) instead of one call per field.
   */
  readonly readExpr?: (b: string, o: string) => string;
  size(value: T, field: string): number;
  write(buf: Uint8Array, offset: number, value: T): number;
  read(r: Reader, field: string): T;
  toJson(value: T): Json;
  fromJson(json: unknown, field: string): T;
}

export type ValueOf<C> = C extends Codec<infer T> ? T : never;

function fail(field: string, what: string): never {
  throw new Sv2EncodeError(field, what);
}

function uintExpr(bytes: 1 | 2 | 3 | 4, b: string, o: string): string {
  const at = (k: number): string => (k === 0 ? `${b}[${o}]` : `${b}[${o} + ${k}]`);
  if (bytes === 1) return at(0);
  if (bytes === 2) return `(${at(0)} | (${at(1)} << 8))`;
  if (bytes === 3) return `(${at(0)} | (${at(1)} << 8) | (${at(2)} << 16))`;
  return `((${at(0)} | (${at(1)} << 8) | (${at(2)} << 16) | (${at(3)} << 24)) >>> 0)`;
}

function uint(kind: string, bytes: 1 | 2 | 3 | 4): Codec<number> {
  const max = 2 ** (8 * bytes) - 1;
  return {
    kind,
    fixedSize: bytes,
    minSize: bytes,
    readExpr: (b, o) => uintExpr(bytes, b, o),
    size(v, field) {
      if (!Number.isInteger(v) || v < 0 || v > max) fail(field, `${kind} must be an integer 0..${max}, got ${v}`);
      return bytes;
    },
    write(buf, o, v) {
      buf[o] = v & 0xff;
      if (bytes > 1) buf[o + 1] = (v >>> 8) & 0xff;
      if (bytes > 2) buf[o + 2] = (v >>> 16) & 0xff;
      if (bytes > 3) buf[o + 3] = (v >>> 24) & 0xff;
      return o + bytes;
    },
    read(r, field) {
      const o = r.take(bytes, field);
      const b = r.buf;
      let v = b[o]!;
      if (bytes > 1) v |= b[o + 1]! << 8;
      if (bytes > 2) v |= b[o + 2]! << 16;
      if (bytes > 3) v = (v | (b[o + 3]! << 24)) >>> 0;
      return v;
    },
    toJson: (v) => v,
    fromJson(j, field) {
      if (typeof j !== 'number') fail(field, `${kind} must be a JSON number`);
      return j;
    },
  };
}

export const U8 = uint('U8', 1);
export const U16 = uint('U16', 2);
export const U24 = uint('U24', 3);
export const U32 = uint('U32', 4);

const U64_MAX = (1n << 64n) - 1n;
/** U64 from its two little-endian U32 halves (a small bigint skips the shift). */
export function u64FromHalves(lo: number, hi: number): bigint {
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

export const U64: Codec<bigint> = {
  kind: 'U64',
  fixedSize: 8,
  minSize: 8,
  size(v, field) {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) fail(field, `U64 must be a bigint 0..2^64-1, got ${String(v)}`);
    return 8;
  },
  write(buf, o, v) {
    const lo = Number(v & 0xffffffffn);
    const hi = Number(v >> 32n);
    U32.write(buf, o, lo);
    U32.write(buf, o + 4, hi);
    return o + 8;
  },
  read(r, field) {
    const lo = U32.read(r, field);
    const hi = U32.read(r, field);
    return u64FromHalves(lo, hi);
  },
  readExpr: (b, o) => `(BigInt(${uintExpr(4, b, o)}) | (BigInt(${uintExpr(4, b, `${o} + 4`)}) << 32n))`,
  toJson: (v) => v.toString(10),
  fromJson(j, field) {
    if (typeof j === 'string' && /^[0-9]{1,20}$/.test(j)) return BigInt(j);
    if (typeof j === 'number' && Number.isSafeInteger(j)) return BigInt(j);
    return fail(field, 'U64 must be a decimal string');
  },
};

/** IEEE-754 binary32, little-endian (the spec uses it without defining it; SRI writes f32 LE). */
export const F32: Codec<number> = {
  kind: 'F32',
  fixedSize: 4,
  minSize: 4,
  size(v, field) {
    if (typeof v !== 'number') fail(field, 'F32 must be a number');
    return 4;
  },
  write(buf, o, v) {
    new DataView(buf.buffer, buf.byteOffset + o, 4).setFloat32(0, v, true);
    return o + 4;
  },
  read(r, field) {
    const o = r.take(4, field);
    return new DataView(r.buf.buffer, r.buf.byteOffset + o, 4).getFloat32(0, true);
  },
  // JSON has no NaN, infinities or negative zero: those travel as strings.
  toJson: (v) => (Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? '-0' : String(v)),
  fromJson(j, field) {
    if (typeof j === 'number') return j;
    if (j === 'NaN') return NaN;
    if (j === 'Infinity') return Infinity;
    if (j === '-Infinity') return -Infinity;
    if (j === '-0') return -0;
    return fail(field, 'F32 must be a number');
  },
};

/** BOOL: only bit 0 counts when reading; writers send 0x00 or 0x01. */
export const BOOL: Codec<boolean> = {
  kind: 'BOOL',
  fixedSize: 1,
  minSize: 1,
  size(v, field) {
    if (typeof v !== 'boolean') fail(field, 'BOOL must be true or false');
    return 1;
  },
  write(buf, o, v) {
    buf[o] = v ? 1 : 0;
    return o + 1;
  },
  read(r, field) {
    return (r.buf[r.take(1, field)]! & 1) === 1;
  },
  readExpr: (b, o) => `((${b}[${o}] & 1) === 1)`,
  toJson: (v) => v,
  fromJson(j, field) {
    if (typeof j !== 'boolean') fail(field, 'BOOL must be true or false');
    return j;
  },
};

function bytesFromJson(j: unknown, field: string): Uint8Array {
  if (typeof j !== 'string') fail(field, 'bytes must be a hex string');
  try {
    return hexToBytes(j);
  } catch (e) {
    return fail(field, (e as Error).message);
  }
}

/** Raw bytes of one fixed length: U256, PUBKEY, SIGNATURE. */
function fixedBytes(kind: string, n: number): Codec<Uint8Array> {
  return {
    kind,
    fixedSize: n,
    minSize: n,
    size(v, field) {
      if (!(v instanceof Uint8Array) || v.length !== n) fail(field, `${kind} must be ${n} bytes`);
      return n;
    },
    write(buf, o, v) {
      buf.set(v, o);
      return o + n;
    },
    read(r, field) {
      const o = r.take(n, field);
      return r.buf.subarray(o, o + n);
    },
    readExpr: (b, o) => `${b}.subarray(${o}, ${o} + ${n})`,
    toJson: (v) => bytesToHex(v),
    fromJson: (j, field) => bytesFromJson(j, field),
  };
}

export const U256 = fixedBytes('U256', 32);
export const PUBKEY = fixedBytes('PUBKEY', 32);
export const SIGNATURE = fixedBytes('SIGNATURE', 64);

/** A length prefix of `prefix` bytes (1, 2 or 3), then at most `max` bytes. */
function prefixedBytes(kind: string, prefix: 1 | 2 | 3, max: number): Codec<Uint8Array> {
  const lenCodec = prefix === 1 ? U8 : prefix === 2 ? U16 : U24;
  return {
    kind,
    fixedSize: undefined,
    minSize: prefix,
    size(v, field) {
      if (!(v instanceof Uint8Array)) fail(field, `${kind} must be bytes`);
      if (v.length > max) fail(field, `${kind} holds at most ${max} bytes, got ${v.length}`);
      return prefix + v.length;
    },
    write(buf, o, v) {
      o = lenCodec.write(buf, o, v.length);
      buf.set(v, o);
      return o + v.length;
    },
    read(r, field) {
      const n = lenCodec.read(r, field);
      if (n > max) throw new Sv2DecodeError('length-over-max', `${field}: ${kind} length ${n} is over ${max}`);
      const o = r.takeLength(n, field);
      return r.buf.subarray(o, o + n);
    },
    toJson: (v) => bytesToHex(v),
    fromJson: (j, field) => bytesFromJson(j, field),
  };
}

export const B0_32 = prefixedBytes('B0_32', 1, 32);
export const B0_255 = prefixedBytes('B0_255', 1, 255);
export const B0_64K = prefixedBytes('B0_64K', 2, 0xffff);
export const B0_16M = prefixedBytes('B0_16M', 3, 0xffffff);

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** STR0_255: a U8 length and that many bytes of UTF-8 (strict, so a decoded string re-encodes byte for byte). */
export const STR0_255: Codec<string> = {
  kind: 'STR0_255',
  fixedSize: undefined,
  minSize: 1,
  size(v, field) {
    if (typeof v !== 'string') fail(field, 'STR0_255 must be a string');
    const n = utf8Encoder.encode(v).length;
    if (n > 255) fail(field, `STR0_255 holds at most 255 bytes, got ${n}`);
    return 1 + n;
  },
  write(buf, o, v) {
    const { written } = utf8Encoder.encodeInto(v, buf.subarray(o + 1));
    buf[o] = written;
    return o + 1 + written;
  },
  read(r, field) {
    const n = U8.read(r, field);
    const o = r.takeLength(n, field);
    try {
      return utf8Decoder.decode(r.buf.subarray(o, o + n));
    } catch {
      throw new Sv2DecodeError('invalid-utf8', `${field}: STR0_255 is not valid UTF-8`);
    }
  },
  toJson: (v) => v,
  fromJson(j, field) {
    if (typeof j !== 'string') fail(field, 'STR0_255 must be a string');
    return j;
  },
};

/** SEQ0_255[T] / SEQ0_64K[T]: an element count, then the elements back to back. */
function sequence<T>(name: string, prefix: 1 | 2, item: Codec<T>): Codec<T[]> {
  const countCodec = prefix === 1 ? U8 : U16;
  const maxCount = prefix === 1 ? 0xff : 0xffff;
  const kind = `${name}[${item.kind}]`;
  return {
    kind,
    item: item as Codec<unknown>,
    fixedSize: undefined,
    minSize: prefix,
    size(v, field) {
      if (!Array.isArray(v)) fail(field, `${kind} must be an array`);
      if (v.length > maxCount) fail(field, `${kind} holds at most ${maxCount} elements, got ${v.length}`);
      if (item.fixedSize !== undefined) {
        for (let i = 0; i < v.length; i++) item.size(v[i]!, field);
        return prefix + v.length * item.fixedSize;
      }
      let n = prefix;
      for (let i = 0; i < v.length; i++) n += item.size(v[i]!, `${field}[${i}]`);
      return n;
    },
    write(buf, o, v) {
      o = countCodec.write(buf, o, v.length);
      for (const e of v) o = item.write(buf, o, e);
      return o;
    },
    read(r, field) {
      const count = countCodec.read(r, field);
      // Bound the count by what the remaining bytes could hold before allocating anything.
      if (count * item.minSize > r.remaining) {
        throw new Sv2DecodeError('length-past-end', `${field}: ${kind} declares ${count} elements, only ${r.remaining} bytes left`);
      }
      const out = new Array<T>(count);
      for (let i = 0; i < count; i++) out[i] = item.read(r, field);
      return out;
    },
    toJson: (v) => v.map((e) => item.toJson(e)),
    fromJson(j, field) {
      if (!Array.isArray(j)) fail(field, `${kind} must be a JSON array`);
      return j.map((e, i) => item.fromJson(e, `${field}[${i}]`));
    },
  };
}

export const SEQ0_255 = <T>(item: Codec<T>): Codec<T[]> => sequence('SEQ0_255', 1, item);
export const SEQ0_64K = <T>(item: Codec<T>): Codec<T[]> => sequence('SEQ0_64K', 2, item);

/** OPTION[T]: a count of 0 (absent, `null`) or 1 followed by the value. */
export function OPTION<T>(item: Codec<T>): Codec<T | null> {
  const kind = `OPTION[${item.kind}]`;
  return {
    kind,
    item: item as Codec<unknown>,
    fixedSize: undefined,
    minSize: 1,
    size(v, field) {
      return v === null ? 1 : 1 + item.size(v, field);
    },
    write(buf, o, v) {
      if (v === null) {
        buf[o] = 0;
        return o + 1;
      }
      buf[o] = 1;
      return item.write(buf, o + 1, v);
    },
    read(r, field) {
      const count = r.buf[r.take(1, field)]!;
      if (count === 0) return null;
      if (count !== 1) throw new Sv2DecodeError('bad-option-count', `${field}: OPTION count must be 0 or 1, got ${count}`);
      return item.read(r, field);
    },
    toJson: (v) => (v === null ? null : item.toJson(v)),
    fromJson: (j, field) => (j === null || j === undefined ? null : item.fromJson(j, field)),
  };
}
