import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { nodeSecp256k1 } from '../../src/host/secp256k1.js';
import { add, fromBytes32, inv, isSquare, mul, neg, P, powQuarter, sqr, sqrtOfSquare, sub, toBytes32 } from '../../src/noise/field.js';
import { toHex } from '../vectors/load.js';

const Fp = noble.Point.Fp;
// field elements, with the edges where a fold or a final subtraction matters
const element = fc.oneof(
  fc.bigInt({ min: 0n, max: P - 1n }),
  fc.constantFrom(0n, 1n, 2n, P - 1n, P - 2n, (1n << 255n) + 1n, (1n << 32n) + 977n, P - ((1n << 32n) + 977n)),
  fc.bigInt({ min: P - (1n << 40n), max: P - 1n }),
);

describe('secp256k1 field arithmetic specialised to p', () => {
  it('multiplies, squares, adds, subtracts and negates as @noble/curves does', () => {
    fc.assert(
      fc.property(element, element, (a, b) => {
        expect(mul(a, b)).toBe(Fp.mul(a, b));
        expect(sqr(a)).toBe(Fp.sqr(a));
        expect(add(a, b)).toBe(Fp.add(a, b));
        expect(sub(a, b)).toBe(Fp.sub(a, b));
        expect(neg(a)).toBe(Fp.neg(a));
        if (a !== 0n) expect(mul(inv(a), a)).toBe(1n);
      }),
      { numRuns: 2000 },
    );
  });

  it('inverts by Lehmer\'s Euclid exactly as @noble/curves does, small, large and structured values', () => {
    const values = [1n, 2n, 3n, P - 1n, P - 2n, (P - 1n) / 2n, 1n << 52n, (1n << 52n) - 1n, (1n << 52n) + 1n, 1n << 200n, 1n << 255n, 0x1000003d1n];
    for (let k = 1n; k < 60n; k++) values.push(P - (1n << k), (1n << (k * 4n)) - 1n);
    for (const v of values) expect(inv(v), `1/${v}`).toBe(Fp.inv(v));
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 1n, max: P - 1n }), fc.bigInt({ min: 1n, max: 1n << 64n }), fc.bigInt({ min: P - (1n << 64n), max: P - 1n })), (a) => {
        expect(inv(a)).toBe(Fp.inv(a));
      }),
      { numRuns: 3000 },
    );
    expect(() => inv(0n)).toThrow(RangeError);
    expect(() => inv(P)).toThrow(RangeError);
  });

  it('a^((p−3)/4) by the addition chain equals the plain exponentiation, and gives the root BIP324 takes', () => {
    fc.assert(
      fc.property(element, (a) => {
        const q = powQuarter(a);
        expect(q).toBe(Fp.pow(a, (P - 3n) / 4n));
        if (isSquare(a)) {
          expect(sqrtOfSquare(a)).toBe(Fp.sqrt(a)); // noble's root is a^((p+1)/4) too
          if (a !== 0n) expect(sqr(q)).toBe(inv(a)); // 1/sqrt(a) squared
        }
      }),
      { numRuns: 200 },
    );
  });

  it('tells squares by Jacobi symbol exactly as the native lift_x test tells curve x coordinates', () => {
    const native = nodeSecp256k1()!.isXOnlyPointNative!;
    fc.assert(
      fc.property(element, (x) => {
        expect(isSquare(add(mul(sqr(x), x), 7n))).toBe(native(toBytes32(x)));
      }),
      { numRuns: 500 },
    );
  });

  it('reads and writes 32 big-endian bytes, at an offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 40 }), fc.nat(8), (bytes, at) => {
        const slice = bytes.subarray(at, at + 32);
        const n = fromBytes32(bytes, at);
        expect(n).toBe(BigInt('0x' + toHex(slice)));
        const out = new Uint8Array(40);
        expect(toHex(toBytes32(n, out, at).subarray(at, at + 32))).toBe(toHex(slice));
        expect(toHex(toBytes32(n))).toBe(toHex(slice));
      }),
      { numRuns: 500 },
    );
  });
});
