import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIFF1_TARGET, targetToBigInt } from '../../src/bitcoin/target.js';
import {
  Sv1ProtocolError,
  bytesToHex,
  difficultyToTarget,
  hashMeetsTarget,
  powerOfTwoDifficulty,
  targetToDifficulty,
} from '../../src/sv1/index.js';

/** Big-endian display of a little-endian target, as pools print targets. */
const display = (target: Uint8Array): string => bytesToHex(Uint8Array.from(target).reverse());

describe('difficulty ⇄ target', () => {
  it('difficulty 1 is 0x00000000FFFF0000…, little-endian on the Sv2 wire', () => {
    const target = difficultyToTarget(1);
    expect(display(target)).toBe('00000000ffff0000000000000000000000000000000000000000000000000000');
    expect(target[26]).toBe(0xff);
    expect(target[27]).toBe(0xff);
    expect(targetToBigInt(target)).toBe(DIFF1_TARGET);
  });

  it('matches known pool targets', () => {
    expect(display(difficultyToTarget(512))).toBe('00000000007fff80000000000000000000000000000000000000000000000000');
    expect(display(difficultyToTarget(65536))).toBe('000000000000ffff000000000000000000000000000000000000000000000000');
    expect(display(difficultyToTarget(0.5))).toBe('00000001fffe0000000000000000000000000000000000000000000000000000');
    // floor(diff1 / 3)
    expect(targetToBigInt(difficultyToTarget(3))).toBe(DIFF1_TARGET / 3n);
    // a tiny difficulty saturates at the largest target
    expect(display(difficultyToTarget(1e-80))).toBe('f'.repeat(64));
  });

  it('is exact for fractional difficulties (no float rounding of the target)', () => {
    // the double 0.1 is exactly 0x1999999999999A · 2^-56, so the target is floor(diff1 · 2^56 / m)
    const m = 0x1999999999999an;
    expect(targetToBigInt(difficultyToTarget(0.1))).toBe((DIFF1_TARGET << 56n) / m);
  });

  it('round-trips difficulty → target → difficulty within float precision', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e15, noNaN: true }), (d) => {
        const back = targetToDifficulty(difficultyToTarget(d));
        expect(Math.abs(back - d) / d).toBeLessThan(1e-12);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses non-positive and non-finite difficulties and malformed targets', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => difficultyToTarget(bad)).toThrow(Sv1ProtocolError);
    expect(() => targetToDifficulty(new Uint8Array(31))).toThrow(Sv1ProtocolError);
    expect(targetToDifficulty(new Uint8Array(32))).toBe(Infinity);
  });
});

describe('hash checks', () => {
  it('compares little-endian hashes with targets from the top byte down', () => {
    const target = difficultyToTarget(1);
    const equal = Uint8Array.from(target);
    expect(hashMeetsTarget(equal, target)).toBe(true);
    const above = Uint8Array.from(target);
    above[0] = 1; // lowest byte: target + 1
    expect(hashMeetsTarget(above, target)).toBe(false);
    const below = Uint8Array.from(target);
    below[27] = 0xfe;
    expect(hashMeetsTarget(below, target)).toBe(true);
  });

  it('agrees with bigint comparison and with the difficulty of a hash read as a target', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (hash, target) => {
        expect(hashMeetsTarget(hash, target)).toBe(targetToBigInt(hash) <= targetToBigInt(target));
        if (targetToBigInt(hash) > 0n && targetToBigInt(target) > 0n && hashMeetsTarget(hash, target)) {
          expect(targetToDifficulty(hash)).toBeGreaterThanOrEqual(targetToDifficulty(target));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('power-of-two difficulty', () => {
  it('rounds down by default, keeps exact powers, and rounds up or to the nearest on request', () => {
    expect(powerOfTwoDifficulty(1000)).toBe(512);
    expect(powerOfTwoDifficulty(1024)).toBe(1024);
    expect(powerOfTwoDifficulty(0.3)).toBe(0.25);
    expect(powerOfTwoDifficulty(1000, 'up')).toBe(1024);
    expect(powerOfTwoDifficulty(1024, 'up')).toBe(1024);
    expect(powerOfTwoDifficulty(700, 'nearest')).toBe(512); // below 512·√2 ≈ 724
    expect(powerOfTwoDifficulty(750, 'nearest')).toBe(1024);
    expect(() => powerOfTwoDifficulty(0)).toThrow(Sv1ProtocolError);
  });

  it('always gives a power of two bracketing the input', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1e18, noNaN: true }), (d) => {
        const down = powerOfTwoDifficulty(d, 'down');
        const up = powerOfTwoDifficulty(d, 'up');
        expect(Number.isInteger(Math.log2(down))).toBe(true);
        expect(down).toBeLessThanOrEqual(d);
        expect(down * 2).toBeGreaterThan(d);
        expect(up).toBeGreaterThanOrEqual(d);
        expect(up === down || up === down * 2).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
