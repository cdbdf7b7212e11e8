// Vardiff against SRI's classic-algorithm test suite (vardiff/test): same inputs, same outputs.
import { describe, expect, it } from 'vitest';
import { compareTargets, hashrateToTarget } from '../../src/bitcoin/target.js';
import { StandardChannel, Vardiff } from '../../src/channels/index.js';
import { channelOptions, targetHex } from '../support/channels.js';

const HASHRATE = 1000;
const SPM = 10;
const MIN = 10;
const T0 = 1_700_000_000;

function run(shares: number, seconds: number, hashrate = HASHRATE, target = hashrateToTarget(hashrate, SPM)): { result: number | null; v: Vardiff } {
  const v = new Vardiff({ sharesPerMinute: SPM, minHashrate: MIN, now: T0 });
  for (let i = 0; i < shares; i++) v.recordShare();
  return { result: v.update(T0 + seconds, hashrate, target), v };
}

describe('vardiff (SRI classic)', () => {
  it('decides nothing within 15 s of the last update', () => {
    const { result, v } = run(1, 5);
    expect(result).toBeNull();
    expect(v.sharesSinceUpdate).toBe(1);
  });

  it('6× the share rate over 16 s → 6× the hashrate', () => {
    const { result, v } = run(16, 16);
    expect(result).toBe(6 * HASHRATE);
    expect(v.sharesSinceUpdate).toBe(0);
    expect(v.lastUpdate).toBe(T0 + 16);
    expect(compareTargets(hashrateToTarget(result!, SPM), hashrateToTarget(HASHRATE, SPM))).toBeLessThan(0);
  });

  it.each([
    [500, 16, 10],
    [5000, 31, 5],
    [1000, 60, 3],
  ])('far too many shares (%i in %i s) → fixed step ×%i', (shares, seconds, factor) => {
    expect(run(shares, seconds).result).toBe(factor * HASHRATE);
  });

  it.each([
    [16, 1.5],
    [31, 2],
    [60, 3],
  ])('no shares in %i s → hashrate / %s', (seconds, divisor) => {
    expect(run(0, seconds).result).toBe(Math.fround(HASHRATE / divisor));
  });

  it('converges on a slow miner: 400, 200, 106, 74.2, 62.327995 (f32, as SRI)', () => {
    const v = new Vardiff({ sharesPerMinute: SPM, minHashrate: MIN, now: T0 });
    let now = T0;
    let hashrate = HASHRATE;
    const seen: number[] = [];
    for (const [shares, seconds] of [
      [4, 60],
      [10, 120],
      [16, 180],
      [28, 240],
      [42, 300],
    ] as const) {
      for (let i = 0; i < shares; i++) v.recordShare();
      now += seconds;
      hashrate = v.update(now, hashrate, hashrateToTarget(hashrate, SPM))!;
      seen.push(hashrate);
    }
    expect(seen).toEqual([400, 200, 106, Math.fround(74.2), Math.fround(62.327995)]);
  });

  it('clamps to the minimum hashrate', () => {
    const hashrate = MIN * 1.5;
    expect(run(0, 16, hashrate).result).toBe(MIN);
  });

  it.each([0, 0.01, -5, NaN, Infinity])('an unusable prior hashrate (%s) falls back to the floor and still converges upward', (bad) => {
    const r = run(1000, 16, bad, hashrateToTarget(1000, SPM)).result;
    expect(r).not.toBeNull();
    expect(Number.isFinite(r!) && r! > MIN * 1.5).toBe(true);
  });

  it('an unusable floor falls back to 1 H/s', () => {
    for (const bad of [0, -5, NaN, Infinity]) expect(new Vardiff({ sharesPerMinute: SPM, minHashrate: bad, now: T0 }).minHashrate).toBe(1);
  });

  it('a clock stepping back re-anchors the window instead of stalling', () => {
    const v = new Vardiff({ sharesPerMinute: SPM, now: T0 + 3600 });
    expect(v.update(T0, HASHRATE, hashrateToTarget(HASHRATE, SPM))).toBeNull();
    expect(v.lastUpdate).toBe(T0);
  });
});

describe('vardiff on a channel', () => {
  it('retargets through SetTarget and never above the device max_target', () => {
    const maxTarget = hashrateToTarget(500, SPM); // the device refuses anything easier than 500 H/s worth
    const ch = new StandardChannel(channelOptions({ nominalHashrate: HASHRATE, sharesPerMinute: SPM, maxTarget, now: T0 }));
    expect(targetHex(ch.target)).toBe(targetHex(hashrateToTarget(HASHRATE, SPM)));
    // No shares for a minute: the estimate drops to 333 H/s, but the target stays at max_target.
    const st = ch.checkVardiff(T0 + 60);
    expect(ch.nominalHashrate).toBe(Math.fround(HASHRATE / 3));
    expect(st).toEqual({ channelId: 1, maximumTarget: maxTarget });
    expect(ch.target).toEqual(maxTarget);
    expect(ch.checkVardiff(T0 + 61)).toBeNull();
  });

  it('UpdateChannel sets the hashrate and a lower maximum target, and rejects a bad hashrate', () => {
    const ch = new StandardChannel(channelOptions({ nominalHashrate: 10, now: T0 }));
    const lowerMax = hashrateToTarget(100_000, 1);
    const st = ch.updateChannel(100, lowerMax, T0 + 1);
    expect(st).toEqual({ channelId: 1, maximumTarget: lowerMax });
    expect(ch.nominalHashrate).toBe(100);
    expect(ch.maxTarget).toEqual(lowerMax);
    expect(() => ch.updateChannel(-1, lowerMax, T0 + 2)).toThrow(expect.objectContaining({ errorCode: 'invalid-nominal-hashrate' }));
    expect(() => ch.updateChannel(100, new Uint8Array(32), T0 + 2)).toThrow(expect.objectContaining({ errorCode: 'max-target-out-of-range' }));
    // Same values again: nothing to send.
    expect(ch.updateChannel(100, lowerMax, T0 + 3)).toBeNull();
  });
});
