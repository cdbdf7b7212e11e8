import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytesOrNull, swapWords32 } from '../../src/sv1/index.js';

/** A deliberately naive reference decoder. */
function reference(hex: string): number[] | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return null;
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

describe('hex', () => {
  it('decodes exactly like a strict reference, short (JS path) and long (native path)', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF', 'g', 'x', ' ', '-', 'é', '\u0000');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 120 }), (hex) => {
        const ours = hexToBytesOrNull(hex);
        const expected = reference(hex);
        expect(ours === null ? null : [...ours]).toEqual(expected);
        if (ours !== null) expect(ours.constructor).toBe(Uint8Array);
      }),
      { numRuns: 3000 },
    );
    expect(hexToBytesOrNull(`${'00'.repeat(40)}0g`)).toBeNull();
    expect(hexToBytesOrNull(`${'00'.repeat(40)}0`)).toBeNull();
  });

  it('encodes lower case and round-trips any bytes', () => {
    expect(bytesToHex(new Uint8Array([0xab, 0xcd, 0x01]))).toBe('abcd01');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const hex = bytesToHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]*$/);
        expect(hexToBytesOrNull(hex)).toEqual(bytes);
        // a view into a larger buffer encodes only its own bytes
        const padded = new Uint8Array(bytes.length + 8);
        padded.set(bytes, 4);
        expect(bytesToHex(padded.subarray(4, 4 + bytes.length))).toBe(hex);
      }),
    );
  });

  it('word swap reverses each 4-byte word and is its own inverse', () => {
    expect(bytesToHex(swapWords32(hexToBytesOrNull('0102030405060708')!))).toBe('0403020108070605');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
        expect(swapWords32(swapWords32(b))).toEqual(b);
      }),
    );
  });
});
