import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Extranonce1Allocator } from '../../../src/roles/translator/extranonce1.js';
import { PowerOfTwoVardiff, difficultyForHashrate, hashrateForDifficulty } from '../../../src/roles/translator/vardiff.js';

const isPowerOfTwo = (d: number): boolean => Number.isInteger(Math.log2(d));

/** Simulates a miner of `hashrate` H/s for `seconds`: Poisson share arrivals at the vardiff's difficulty. */
function simulate(v: PowerOfTwoVardiff, hashrate: number, seconds: number, start: number, random: () => number): number {
  let now = start;
  const end = start + seconds * 1000;
  while (now < end) {
    const rate = hashrate / (v.difficulty * 2 ** 32); // shares per second
    const step = Math.min(1000, (-Math.log(1 - random()) / rate) * 1000);
    now += step;
    if (step < 1000) v.recordShare(v.difficulty);
    v.update(now);
  }
  return now;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('power-of-two vardiff', () => {
  it('starts from the weakest miner’s hashrate, rounded down to a power of two', () => {
    expect(difficultyForHashrate(1e12, 6)).toBe(2048); // 2328.3 rounded down
    expect(difficultyForHashrate(100e12, 6)).toBe(131072);
    expect(difficultyForHashrate(1e-9, 6)).toBe(2 ** -32); // floor
    expect(hashrateForDifficulty(2048, 6)).toBeCloseTo(2048 * 2 ** 32 / 10, 0);
  });

  it('converges on the difficulty that gives the wanted share rate, and stays there', () => {
    const random = seeded(7);
    for (const hashrate of [1e9, 500e9, 14e12, 110e12]) {
      const v = new PowerOfTwoVardiff({ sharesPerMinute: 6, initialDifficulty: difficultyForHashrate(1e9, 6), now: 0 });
      let now = simulate(v, hashrate, 30 * 60, 0, random);
      const ideal = (hashrate * 60) / (6 * 2 ** 32);
      expect(Math.abs(Math.log2(v.difficulty / ideal)), `${hashrate} H/s`).toBeLessThanOrEqual(1);
      // a steady miner at its difficulty: hardly any move over the next hour, and never far
      let last = v.difficulty;
      let moves = 0;
      for (let i = 0; i < 60; i++) {
        now = simulate(v, hashrate, 60, now, random);
        if (v.difficulty !== last) moves++;
        last = v.difficulty;
        expect(Math.abs(Math.log2(v.difficulty / ideal))).toBeLessThanOrEqual(1);
      }
      expect(moves, `${hashrate} H/s`).toBeLessThanOrEqual(2);
    }
  });

  it('steps a silent miner down by 4 once eight shares were due, never below the floor', () => {
    const v = new PowerOfTwoVardiff({ sharesPerMinute: 6, initialDifficulty: 1024, minDifficulty: 100, now: 0 });
    expect(v.update(79_000)).toBeNull(); // 7.9 shares due
    expect(v.update(80_000)).toBe(256);
    expect(v.update(160_000)).toBe(128); // floor 100 → 128 (a power of two at or above it)
    expect(v.update(600_000)).toBeNull();
    expect(v.difficulty).toBe(128);
  });

  it('every difficulty it produces is a power of two within its bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e15, noNaN: true }), fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 120_000 })), { maxLength: 40 }), (initial, steps) => {
        const v = new PowerOfTwoVardiff({ sharesPerMinute: 10, initialDifficulty: initial, now: 0 });
        let now = 0;
        for (const [shares, dt] of steps) {
          for (let i = 0; i < shares; i++) v.recordShare(v.difficulty);
          now += dt;
          const next = v.update(now);
          if (next !== null && !isPowerOfTwo(next)) return false;
        }
        return isPowerOfTwo(v.difficulty) && v.difficulty >= 2 ** -32 && v.difficulty <= 2 ** 52;
      }),
    );
  });

  it('set() (suggest_difficulty) rounds down to a power of two and respects the floor', () => {
    const v = new PowerOfTwoVardiff({ sharesPerMinute: 6, initialDifficulty: 1, now: 0 });
    expect(v.set(1000, 0)).toBe(512);
    v.setMinimum(2048, 0);
    expect(v.difficulty).toBe(2048);
    expect(v.set(16, 0)).toBe(2048);
  });
});

describe('extranonce1 allocator', () => {
  it('hands out distinct values, refuses when full, and reuses the oldest freed value first', () => {
    const a = new Extranonce1Allocator(1);
    const values = Array.from({ length: 256 }, () => a.allocate()!);
    expect(new Set(values.map((v) => v[0])).size).toBe(256);
    expect(a.allocate()).toBeNull();
    a.release(values[10]!);
    a.release(values[3]!);
    expect(a.allocate()).toEqual(values[10]);
    expect(a.allocate()).toEqual(values[3]);
    expect(a.allocated).toBe(256);
    const b = new Extranonce1Allocator(2);
    expect(b.allocate()).toEqual(Uint8Array.of(0, 0));
    expect(b.allocate()).toEqual(Uint8Array.of(0, 1));
    expect(b.capacity).toBe(65536);
  });
});
