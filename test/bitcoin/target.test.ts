import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BitcoinDecodeError,
  bigIntToBits,
  bitsToTarget,
  compareTargets,
  decodeBits,
  DIFF1_TARGET,
  difficultyFromBits,
  difficultyFromHash,
  difficultyFromTarget,
  hashMeetsTarget,
  hashrateFromTarget,
  hashrateToTarget,
  targetFromBigInt,
  targetFromDifficulty,
  targetToBigInt,
  targetToBits,
  workFromTarget,
} from '../../src/bitcoin/index.js';
import { bytesToHex } from '../../src/codec/hex.js';

const be = (t: Uint8Array) => bytesToHex(t.slice().reverse());

describe('nBits', () => {
  it('decodes bits to targets (bitcoinjs-lib fixtures)', () => {
    const cases: [number, string][] = [
      [0x1d00ffff, '00000000ffff0000000000000000000000000000000000000000000000000000'],
      [0x1b0404cb, '00000000000404cb000000000000000000000000000000000000000000000000'],
      [0x1814dd04, '000000000000000014dd04000000000000000000000000000000000000000000'],
      [0x207fffff, '7fffff0000000000000000000000000000000000000000000000000000000000'],
    ];
    for (const [bits, hex] of cases) expect(be(bitsToTarget(bits)), bits.toString(16)).toBe(hex);
  });

  it("follows Bitcoin Core's SetCompact/GetCompact cases", () => {
    for (const bits of [0, 0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04000000, 0x00923456, 0x01803456, 0x02800056, 0x03800000, 0x04800000]) {
      expect(decodeBits(bits)).toEqual({ target: 0n, negative: false, overflow: false });
    }
    expect(decodeBits(0x01123456).target).toBe(0x12n);
    expect(bigIntToBits(0x12n)).toBe(0x01120000);
    expect(decodeBits(0x01fedcba)).toMatchObject({ target: 0x7en, negative: true });
    expect(decodeBits(0x02123456).target).toBe(0x1234n);
    expect(bigIntToBits(0x1234n)).toBe(0x02123400);
    expect(decodeBits(0x03123456).target).toBe(0x123456n);
    expect(bigIntToBits(0x123456n)).toBe(0x03123456);
    expect(decodeBits(0x04123456).target).toBe(0x12345600n);
    expect(bigIntToBits(0x12345600n)).toBe(0x04123456);
    expect(decodeBits(0x04923456)).toMatchObject({ target: 0x12345600n, negative: true });
    expect(decodeBits(0x05009234).target).toBe(0x92340000n);
    expect(bigIntToBits(0x92340000n)).toBe(0x05009234);
    expect(decodeBits(0x20123456).target).toBe(0x123456n << 232n);
    expect(bigIntToBits(0x123456n << 232n)).toBe(0x20123456);
    expect(decodeBits(0xff123456).overflow).toBe(true);
    expect(bigIntToBits(0x80n)).toBe(0x02008000);
    expect(() => bitsToTarget(0x04923456)).toThrow(RangeError);
  });

  it('bits → target → bits is the identity for canonical encodings (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 0x20 }), fc.integer({ min: 0x8000, max: 0x7fffff }), (size, mantissa) => {
        const bits = ((size << 24) | mantissa) >>> 0;
        expect(targetToBits(bitsToTarget(bits))).toBe(bits);
      }),
    );
  });
});

describe('difficulty', () => {
  it('is 1 at the diff1 target, and matches known network values', () => {
    expect(difficultyFromBits(0x1d00ffff)).toBe(1);
    expect(difficultyFromBits(0x207fffff)).toBe(4.6565423739069247e-10);
    // Mainnet difficulty at height 542213 (September 2018), and Bitcoin Core's GetDifficulty in doubles as an oracle.
    expect(difficultyFromBits(0x172819a1)).toBeCloseTo(7019199231177.173, 2);
    const coreGetDifficulty = (bits: number) => {
      let shift = (bits >>> 24) & 0xff;
      let d = 0xffff / (bits & 0xffffff);
      for (; shift < 29; shift++) d *= 256;
      for (; shift > 29; shift--) d /= 256;
      return d;
    };
    for (const bits of [0x1d00ffff, 0x1b0404cb, 0x1814dd04, 0x172819a1, 0x17034219, 0x207fffff]) {
      expect(difficultyFromBits(bits) / coreGetDifficulty(bits)).toBeCloseTo(1, 12);
    }
  });

  it('targetFromDifficulty inverts difficultyFromTarget', () => {
    expect(targetToBigInt(targetFromDifficulty(1))).toBe(DIFF1_TARGET);
    expect(targetToBigInt(targetFromDifficulty(0.5))).toBe(DIFF1_TARGET * 2n);
    for (const d of [1e-6, 0.001, 1, 3.7, 1024, 7152633351906.413, 1e15]) {
      expect(difficultyFromTarget(targetFromDifficulty(d)) / d).toBeCloseTo(1, 9);
    }
  });

  it('work is 2^256 / (target + 1)', () => {
    expect(workFromTarget(bitsToTarget(0x1d00ffff))).toBe(0x100010001n);
    expect(workFromTarget(bitsToTarget(0x207fffff))).toBe(2n);
  });

  it('difficultyFromHash matches diff1 / hash computed in bigints to 1e-12 for any hash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 31 }), (hash, zeros) => {
        hash.fill(0, 32 - zeros); // shares have leading zeros (high bytes, little-endian)
        const h = targetToBigInt(hash);
        const approx = difficultyFromHash(hash);
        if (h === 0n) return approx === Infinity;
        const exact = Number((DIFF1_TARGET << 128n) / h) / 2 ** 128;
        return Math.abs(approx - exact) <= exact * 1e-12;
      }),
    );
  });
});

describe('hashrate ↔ target (SRI channels-sv2 formulas)', () => {
  it('target = ((2^256 − 1) − h·s) / (h·s + 1)', () => {
    const t = targetToBigInt(hashrateToTarget(10, 1)); // 10 H/s, one share a minute: h·s = 600
    expect(t).toBe(((1n << 256n) - 1n - 600n) / 601n);
    expect(targetToBigInt(hashrateToTarget(0, 1))).toBe((1n << 256n) - 1n);
  });

  it('gives the difficulty a miner of that speed needs (h·s / 2^32)', () => {
    // 1 TH/s at 6 shares/min: one share per 10 s, ~1e13 hashes, difficulty ≈ 1e13 / 2^32.
    const d = difficultyFromTarget(hashrateToTarget(1e12, 6));
    expect(d / (1e13 / 2 ** 32)).toBeCloseTo(1, 4);
  });

  it('hashrateFromTarget inverts hashrateToTarget (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e3, max: 1e18, noNaN: true }), fc.constantFrom(1, 5, 6, 10, 20, 60), (h, spm) => {
        const back = hashrateFromTarget(hashrateToTarget(h, spm), spm);
        // Integer H/s and ⌊h·s⌋ lose at most a couple of H/s.
        expect(Math.abs(back - h)).toBeLessThanOrEqual(2 + h * 1e-9);
      }),
    );
  });

  it('rejects zero and negative inputs', () => {
    expect(() => hashrateToTarget(1, 0)).toThrow(RangeError);
    expect(() => hashrateToTarget(-1, 1)).toThrow(RangeError);
    expect(() => hashrateFromTarget(new Uint8Array(32), 0)).toThrow(RangeError);
  });
});

describe('hash vs target comparison', () => {
  it('agrees with bigint comparison (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        expect(hashMeetsTarget(a, b)).toBe(targetToBigInt(a) <= targetToBigInt(b));
        expect(Math.sign(compareTargets(a, b))).toBe(Math.sign(Number(targetToBigInt(a) - targetToBigInt(b))));
        expect(targetFromBigInt(targetToBigInt(a))).toEqual(a);
      }),
    );
    expect(() => targetFromBigInt(1n << 256n)).toThrow(RangeError);
    expect(() => targetToBigInt(new Uint8Array(31))).toThrow(BitcoinDecodeError);
  });
});
