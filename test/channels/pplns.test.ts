import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poolCoinbaseOutputs } from '../../src/channels/payout-outputs.js';
import { POOL_ACCOUNT, PplnsWindow, pplnsSplit, splitByWeight } from '../../src/channels/pplns.js';

const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);
const script = (n: number) => Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(n));
const POOL = Uint8Array.of(0x51);

describe('PPLNS window', () => {
  it('weights the latest shares up to the window, the oldest one in part', () => {
    const w = new PplnsWindow({ maxShares: 10 });
    w.add('a', 4);
    w.add('b', 2);
    w.add('a', 1);
    w.add('c', 3);
    expect(w.weights(5)).toEqual(new Map([['c', 3], ['a', 1], ['b', 1]]));
    expect(w.weights(100)).toEqual(new Map([['a', 5], ['b', 2], ['c', 3]]));
    expect(w.weights(0)).toEqual(new Map());
  });

  it('forgets the oldest share once full', () => {
    const w = new PplnsWindow({ maxShares: 3 });
    for (const a of ['old', 'x', 'y', 'z']) w.add(a, 1);
    expect(w.size).toBe(3);
    expect([...w.weights(100).keys()].sort()).toEqual(['x', 'y', 'z']);
  });

  it('splits a fixed sequence as computed by hand', () => {
    const w = new PplnsWindow({ maxShares: 100 });
    for (const [a, d] of [['alice', 1], ['bob', 3], ['alice', 2], ['carol', 2]] as const) w.add(a, d);
    // Window 6: carol 2, alice 2, bob 2 (of his 3): a third each of 50 BTC less a 1 % fee.
    const { fee, parts } = pplnsSplit(5_000_000_000n, 100, w.weights(6));
    expect(fee).toBe(50_000_000n);
    expect(sum(parts.values())).toBe(4_950_000_000n);
    expect(parts.get('alice')).toBe(1_650_000_000n);
    expect(parts.get('bob')).toBe(1_650_000_000n);
    expect(parts.get('carol')).toBe(1_650_000_000n);
  });

  it('an empty window leaves the reward with the pool', () => {
    expect(pplnsSplit(1000n, 0, new Map())).toEqual({ fee: 0n, parts: new Map([[POOL_ACCOUNT, 1000n]]) });
  });

  it('property: credits sum to the reward minus the fee; no satoshi is created or lost', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.double({ min: 1e-9, max: 1e12, noNaN: true })), { maxLength: 200 }),
        fc.double({ min: 1e-6, max: 1e13, noNaN: true }),
        (reward, feeBps, shares, window) => {
          const w = new PplnsWindow({ maxShares: 64 });
          for (const [a, d] of shares) w.add(`u${a}`, d);
          const { fee, parts } = pplnsSplit(reward, feeBps, w.weights(window));
          expect(fee).toBe((reward * BigInt(feeBps)) / 10_000n);
          expect(fee + sum(parts.values())).toBe(reward);
          for (const v of parts.values()) expect(v >= 0n).toBe(true);
        },
      ),
    );
  });

  it('property: a split follows the weights to within a satoshi', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.array(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 50 }), (amount, ws) => {
        const weights = new Map(ws.map((w, i) => [i, w]));
        const parts = splitByWeight(amount, weights);
        const total = ws.reduce((a, b) => a + b, 0);
        expect(sum(parts.values())).toBe(amount);
        for (const [i, w] of weights) expect(Math.abs(Number(parts.get(i)!) - (Number(amount) * w) / total)).toBeLessThanOrEqual(2 + Number(amount) * 1e-12);
      }),
    );
  });
});

describe('pool coinbase outputs', () => {
  const policy = { poolScript: POOL, dustSats: 1000n, maxOutputs: 2 };

  it('pays the pool, a solo miner less its fee, or the window largest first with dust and the cap to the pool', () => {
    expect(poolCoinbaseOutputs(5000n, { kind: 'pool' }, policy)).toEqual([{ value: 5000n, script: POOL }]);
    expect(poolCoinbaseOutputs(10_000n, { kind: 'solo', script: script(1), poolBps: 250 }, policy)).toEqual([
      { value: 9750n, script: script(1) },
      { value: 250n, script: POOL },
    ]);
    expect(poolCoinbaseOutputs(10_000n, { kind: 'solo', script: script(1), poolBps: 0 }, policy)).toEqual([{ value: 10_000n, script: script(1) }]);
    const payees = [
      { script: script(1), weight: 1 },
      { script: script(2), weight: 5 },
      { script: script(3), weight: 3 },
      { script: script(4), weight: 0.9 }, // below dust
    ];
    // 100 000 less 1 %: 99 000 by weight 1 : 5 : 3 : 0.9.
    const out = poolCoinbaseOutputs(100_000n, { kind: 'shares', payees, feeBps: 100 }, policy);
    expect(out.map((o) => o.script)).toEqual([script(2), script(3), POOL]);
    expect(out[0]!.value).toBe(50_000n);
    expect(out[1]!.value).toBe(30_000n);
    expect(sum(out.map((o) => o.value))).toBe(100_000n);
  });

  it('property: outputs always sum to the value, at most the cap plus the pool\'s, none below dust', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (value, ws, cap) => {
          const out = poolCoinbaseOutputs(value, { kind: 'shares', payees: ws.map((w, i) => ({ script: script(i), weight: w })), feeBps: 150 }, { ...policy, maxOutputs: cap });
          expect(sum(out.map((o) => o.value))).toBe(value);
          expect(out.length).toBeLessThanOrEqual(cap + 1);
          for (const o of out) if (o.script !== POOL) expect(o.value >= 1000n).toBe(true);
          for (let i = 1; i < out.length - 1; i++) expect(out[i - 1]!.value >= out[i]!.value).toBe(true);
        },
      ),
    );
  });
});
