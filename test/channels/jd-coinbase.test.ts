import { describe, expect, it } from 'vitest';
import { buildCoinbase } from '../../src/bitcoin/coinbase.js';
import { bip34HeightPrefix } from '../../src/bitcoin/script.js';
import { ChannelError } from '../../src/channels/errors.js';
import { checkPoolOutputs, encodeOutputVector, jdRequiredOutputs, parseDeclaredCoinbase, poolOutputOnly } from '../../src/channels/jd-coinbase.js';
import { witnessCommitmentOutput } from '../../src/bitcoin/witness.js';

const POOL = Uint8Array.of(0x00, 0x14, ...new Array(20).fill(1));
const MINER = Uint8Array.of(0x00, 0x14, ...new Array(20).fill(2));

function coinbase(height: number, extranonceSize: number, segwit: boolean) {
  const outputs = [{ value: 5n, script: POOL }, ...(segwit ? [witnessCommitmentOutput([])] : [])];
  return buildCoinbase({ txVersion: 2, scriptSigPrefix: bip34HeightPrefix(height), tag: new TextEncoder().encode('x'), extranonceSize, sequence: 0xffffffff, outputs, locktime: 0, witnessReservedValue: segwit ? new Uint8Array(32) : null });
}

describe('parseDeclaredCoinbase', () => {
  for (const segwit of [true, false]) {
    it(`reads the extranonce size, the height and the outputs (${segwit ? 'segwit' : 'legacy'})`, () => {
      const c = coinbase(1234, 12, segwit);
      const d = parseDeclaredCoinbase(c.prefix, c.suffix);
      expect(d.extranonceSize).toBe(12);
      expect(d.height).toBe(1234);
      expect(d.tx.outputs[0]).toEqual({ value: 5n, script: POOL });
    });
  }

  it('refuses what is not a coinbase, with the DeclareMiningJob codes', () => {
    const c = coinbase(5, 8, true);
    const notNull = c.prefix.slice();
    notNull[10] = 1; // inside the prevout
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (e instanceof ChannelError) return e.errorCode;
      }
      return 'none';
    };
    expect(code(() => parseDeclaredCoinbase(notNull, c.suffix))).toBe('invalid-coinbase-tx-input');
    expect(code(() => parseDeclaredCoinbase(c.prefix, c.suffix.subarray(0, 10)))).toBe('invalid-coinbase-tx');
    expect(code(() => parseDeclaredCoinbase(c.prefix.subarray(0, 20), c.suffix))).toBe('invalid-coinbase-tx');
  });
});

describe('checkPoolOutputs', () => {
  const required = poolOutputOnly(POOL);
  const PAYEE_A = Uint8Array.of(0x00, 0x14, ...new Array<number>(20).fill(0xa1));
  const PAYEE_B = Uint8Array.of(0x00, 0x14, ...new Array<number>(20).fill(0xb2));
  // Payouts in the coinbase: 1000 sat of a 1000 sat reward; the pool's output last, as its jobs carry it.
  const payouts = jdRequiredOutputs(POOL, 1000n, [{ value: 600n, script: PAYEE_A }, { value: 300n, script: PAYEE_B }, { value: 100n, script: POOL }]);
  it('required outputs: the pool payout first at value zero, then the payees in the pool\'s order', () => {
    expect(payouts.outputs).toEqual([{ value: 0n, script: POOL }, { value: 600n, script: PAYEE_A }, { value: 300n, script: PAYEE_B }]);
    expect(payouts.reward).toBe(1000n);
  });
  it('takes payees paid what they were told, in any order, beside the miner\'s own outputs', () => {
    expect(checkPoolOutputs(payouts, [{ value: 300n, script: PAYEE_B }, { value: 5n, script: MINER }, { value: 95n, script: POOL }, { value: 600n, script: PAYEE_A }])).toBeNull();
  });
  it('refuses a payee missing or paid less than its due', () => {
    expect(checkPoolOutputs(payouts, [{ value: 400n, script: POOL }, { value: 600n, script: PAYEE_A }])).toMatch(/required output 2 .* is missing/);
    expect(checkPoolOutputs(payouts, [{ value: 101n, script: POOL }, { value: 599n, script: PAYEE_A }, { value: 300n, script: PAYEE_B }])).toMatch(/required output 1 .* pays 599 sat, 600 is due/);
  });
  it('a coinbase worth less than the reward: each due scaled down in proportion, never up for one worth more', () => {
    // 500 sat in all: A is due 300, B 150.
    expect(checkPoolOutputs(payouts, [{ value: 50n, script: POOL }, { value: 300n, script: PAYEE_A }, { value: 150n, script: PAYEE_B }])).toBeNull();
    expect(checkPoolOutputs(payouts, [{ value: 51n, script: POOL }, { value: 299n, script: PAYEE_A }, { value: 150n, script: PAYEE_B }])).toMatch(/pays 299 sat, 300 is due/);
    expect(checkPoolOutputs(payouts, [{ value: 1100n, script: POOL }, { value: 600n, script: PAYEE_A }, { value: 300n, script: PAYEE_B }])).toBeNull();
  });
  it('takes the pool output anywhere, funded, beside the miner\'s own', () => {
    expect(checkPoolOutputs(required, [{ value: 1n, script: MINER }, { value: 1n, script: POOL }])).toBeNull();
  });
  it('refuses it missing or unfunded', () => {
    expect(checkPoolOutputs(required, [{ value: 9n, script: MINER }])).toMatch(/missing/);
    expect(checkPoolOutputs(required, [{ value: 0n, script: POOL }, { value: 9n, script: MINER }])).toMatch(/no sats/);
  });
  it('encodes the outputs as a CompactSize-prefixed vector', () => {
    const v = encodeOutputVector(required.outputs);
    expect(v[0]).toBe(1);
    expect(v.length).toBe(1 + 8 + 1 + POOL.length);
  });
});
