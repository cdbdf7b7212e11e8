import { describe, expect, it } from 'vitest';
import { difficultyFromTarget, hashrateToTarget } from '../../src/bitcoin/target.js';
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
function simulate(actual: number, announced: number, sharesPerMinute: number, minutes: number, seed: number): { rate: number; estimate: number } {
  const rand = rng(seed);
  const v = new Vardiff({ sharesPerMinute, now: 0 });
  let nominal = announced;
  let target = hashrateToTarget(nominal, sharesPerMinute);
  let lastTen = 0;
  for (let t = 1; t <= minutes * 60; t++) {
    const perSecond = actual / (difficultyFromTarget(target) * 2 ** 32);
    const n = poisson(perSecond, rand);
    for (let i = 0; i < n; i++) v.recordShare();
    if (t > (minutes - 10) * 60) lastTen += n;
    if (t % 5 === 0) {
      const next = v.update(t, nominal, target);
      if (next !== null) {
        nominal = next;
        target = hashrateToTarget(nominal, sharesPerMinute);
      }
    }
  }
  return { rate: lastTen / 10, estimate: nominal };
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
