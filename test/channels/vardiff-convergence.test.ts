import { describe, expect, it } from 'vitest';
import { difficultyFromTarget, hashrateToTarget } from '../../src/bitcoin/target.js';
import { HashrateMeter } from '../../src/channels/hashrate.js';
import { Vardiff } from '../../src/channels/vardiff.js';

/** A small seeded generator so the simulation is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function poisson(lambda: number, rand: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * (rand() + rand() + rand() - 1.5) * 2));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

/**
 * A miner of true hashrate `actual` whose channel starts from a nominal hashrate `announced`;
 * the pool checks vardiff every 5 s. Returns the realized shares per minute over the last 10 minutes.
 */
function simulate(actual: number, announced: number, sharesPerMinute: number, minutes: number, seed: number): { rate: number; estimate: number; measured: number } {
  const rand = rng(seed);
  const v = new Vardiff({ sharesPerMinute, now: 0 });
  // What the pool reports as the channel's hashrate: accepted work over the meter's window.
  const meter = new HashrateMeter(0);
  let nominal = announced;
  let target = hashrateToTarget(nominal, sharesPerMinute);
  let lastTen = 0;
  for (let t = 1; t <= minutes * 60; t++) {
    const perSecond = actual / (difficultyFromTarget(target) * 2 ** 32);
    const n = poisson(perSecond, rand);
    for (let i = 0; i < n; i++) v.recordShare();
    for (let i = 0; i < n; i++) meter.record(difficultyFromTarget(target), t * 1000);
    if (t > (minutes - 10) * 60) lastTen += n;
    if (t % 5 === 0) {
      const next = v.update(t, nominal, target);
      if (next !== null) {
        nominal = next;
        target = hashrateToTarget(nominal, sharesPerMinute);
      }
    }
  }
  return { rate: lastTen / 10, estimate: nominal, measured: meter.hashrate(minutes * 60_000) ?? 0 };
}

describe('vardiff on a simulated miner', () => {
  for (const [actual, announced] of [
    [1e14, 1e9], // an ASIC that announced far too little
    [5e5, 1e12], // a CPU miner that announced far too much
    [1.2e13, 1.2e13], // announced right
  ] as const) {
    it(`converges to the configured share rate: ${actual.toExponential()} H/s announced as ${announced.toExponential()}`, () => {
      for (const seed of [1, 2, 3]) {
        const { rate, estimate } = simulate(actual, announced, 10, 60, seed);
        expect(rate).toBeGreaterThan(10 * 0.7);
        expect(rate).toBeLessThan(10 * 1.3);
        expect(estimate / actual).toBeGreaterThan(0.6);
        expect(estimate / actual).toBeLessThan(1.6);
      }
    });
  }
});

describe('the hashrate a pool reports, from accepted work', () => {
  // Devices announce roughly what they do; vardiff and the meter take it from there.
  const miners = [
    [1e14, 1e12], // an ASIC that announced 100× too little
    [5e5, 5e6], // a CPU miner that announced 10× too much
    [1.2e13, 1.2e13], // announced right
  ] as const;

  it("is within 25 % of the miner's true hashrate after 5 minutes at 30 shares a minute (the local stack's rate)", () => {
    for (const [actual, announced] of miners) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const { measured } = simulate(actual, announced, 30, 5, seed);
        expect(Math.abs(measured / actual - 1), `${actual} H/s, seed ${seed}`).toBeLessThan(0.25);
      }
    }
  });

  it('at 6 shares a minute (the pool default) it is unbiased, and within 25 % four times in five: a ten-minute window holds ~60 shares, so ±13–15 %', () => {
    for (const [actual, announced] of miners) {
      const errors = Array.from({ length: 30 }, (_, seed) => simulate(actual, announced, 6, 12, seed + 1).measured / actual - 1);
      const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
      expect(Math.abs(mean), `${actual} H/s: mean error`).toBeLessThan(0.05);
      expect(errors.filter((e) => Math.abs(e) < 0.25).length, `${actual} H/s: runs within 25 %`).toBeGreaterThanOrEqual(24);
    }
  });
});
