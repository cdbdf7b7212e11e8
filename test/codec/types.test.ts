import { describe, expect, it } from 'vitest';
import {
  B0_16M, B0_255, B0_32, B0_64K, BOOL, F32, OPTION, Reader, SEQ0_255, SEQ0_64K, STR0_255, Sv2DecodeError, Sv2EncodeError, U16, U24, U256, U32, U64, U8,
} from '../../src/codec/index.js';
import type { Codec } from '../../src/codec/index.js';

function enc<T>(c: Codec<T>, v: T): string {
  const buf = new Uint8Array(c.size(v, 'v'));
  expect(c.write(buf, 0, v)).toBe(buf.length);
  return Buffer.from(buf).toString('hex');
}
function dec<T>(c: Codec<T>, hex: string): T {
  const r = new Reader(new Uint8Array(Buffer.from(hex, 'hex')));
  const v = c.read(r, 'v');
  expect(r.remaining).toBe(0);
  return v;
}
function decErr<T>(c: Codec<T>, hex: string): Sv2DecodeError {
  try {
    c.read(new Reader(new Uint8Array(Buffer.from(hex, 'hex'))), 'v');
  } catch (e) {
    expect(e).toBeInstanceOf(Sv2DecodeError);
    return e as Sv2DecodeError;
  }
  throw new Error('expected a decode error');
}

describe('integers are little-endian', () => {
  it('encodes each width', () => {
    expect(enc(U8, 0xab)).toBe('ab');
    expect(enc(U16, 0x1234)).toBe('3412');
    expect(enc(U24, 0x123456)).toBe('563412');
    expect(enc(U32, 0xdeadbeef)).toBe('efbeadde');
    expect(enc(U64, 0x0102030405060708n)).toBe('0807060504030201');
    expect(enc(U64, (1n << 64n) - 1n)).toBe('ffffffffffffffff');
  });
  it('decodes each width', () => {
    expect(dec(U32, 'efbeadde')).toBe(0xdeadbeef);
    expect(dec(U24, 'ffffff')).toBe(0xffffff);
    expect(dec(U64, 'ffffffffffffffff')).toBe((1n << 64n) - 1n);
  });
  it('refuses values out of range', () => {
    expect(() => U8.size(256, 'x')).toThrow(Sv2EncodeError);
    expect(() => U32.size(-1, 'x')).toThrow(Sv2EncodeError);
    expect(() => U32.size(1.5, 'x')).toThrow(Sv2EncodeError);
    expect(() => U64.size(1n << 64n, 'x')).toThrow(Sv2EncodeError);
  });
  it('reports a short buffer', () => {
    expect(decErr(U32, 'aabbcc').reason).toBe('short-buffer');
  });
});

describe('F32 and BOOL', () => {
  it('F32 is IEEE binary32 LE (1e12 = a5d46853)', () => {
    expect(enc(F32, 1e12)).toBe('a5d46853');
    expect(dec(F32, 'a5d46853')).toBe(Math.fround(1e12));
  });
  it('BOOL writes 0/1 and reads only bit 0', () => {
    expect(enc(BOOL, true)).toBe('01');
    expect(dec(BOOL, 'fe')).toBe(false);
    expect(dec(BOOL, '03')).toBe(true);
  });
});

describe('byte strings', () => {
  it('carry their length prefixes', () => {
    expect(enc(B0_32, new Uint8Array([1, 2]))).toBe('020102');
    expect(enc(B0_64K, new Uint8Array([0xaa]))).toBe('0100aa');
    expect(enc(B0_16M, new Uint8Array([0xaa]))).toBe('010000aa');
    expect(enc(STR0_255, 'hé')).toBe('0368c3a9');
  });
  it('refuse a length over the type maximum', () => {
    expect(decErr(B0_32, '21' + '00'.repeat(33)).reason).toBe('length-over-max');
    expect(() => B0_32.size(new Uint8Array(33), 'x')).toThrow(Sv2EncodeError);
    expect(() => B0_255.size(new Uint8Array(256), 'x')).toThrow(Sv2EncodeError);
    expect(() => STR0_255.size('x'.repeat(256), 'x')).toThrow(Sv2EncodeError);
  });
  it('refuse a length past the end without allocating it', () => {
    expect(decErr(B0_16M, 'ffffff00').reason).toBe('length-past-end');
  });
  it('refuses invalid UTF-8 in a string', () => {
    expect(decErr(STR0_255, '02c328').reason).toBe('invalid-utf8');
  });
  it('U256 is 32 raw bytes in wire order', () => {
    const v = new Uint8Array(32).map((_, i) => i);
    expect(enc(U256, v)).toBe(Buffer.from(v).toString('hex'));
    expect(() => U256.size(new Uint8Array(31), 'x')).toThrow(Sv2EncodeError);
  });
});

describe('sequences and options', () => {
  it('count elements, not bytes', () => {
    expect(enc(SEQ0_255(U16), [1, 2])).toBe('0201000200');
    expect(enc(SEQ0_64K(B0_16M), [new Uint8Array([9])])).toBe('010001000009');
  });
  it('refuse a count the remaining bytes cannot hold before allocating', () => {
    expect(decErr(SEQ0_64K(U256), 'ffff' + '00'.repeat(64)).reason).toBe('length-past-end');
  });
  it('OPTION is a 0/1 count', () => {
    expect(enc(OPTION(U32), 5)).toBe('0105000000');
    expect(enc(OPTION(U32), null)).toBe('00');
    expect(dec(OPTION(U32), '00')).toBeNull();
    expect(decErr(OPTION(U32), '0205000000').reason).toBe('bad-option-count');
  });
});
