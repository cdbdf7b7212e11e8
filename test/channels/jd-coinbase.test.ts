import { describe, expect, it } from 'vitest';
import { buildCoinbase } from '../../src/bitcoin/coinbase.js';
import { bip34HeightPrefix } from '../../src/bitcoin/script.js';
import { ChannelError } from '../../src/channels/errors.js';
import { checkPoolOutputs, encodeOutputVector, parseDeclaredCoinbase } from '../../src/channels/jd-coinbase.js';
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
  const required = [{ value: 0n, script: POOL }];
  it('takes the pool output anywhere, funded, beside the miner\'s own', () => {
    expect(checkPoolOutputs(required, [{ value: 1n, script: MINER }, { value: 1n, script: POOL }])).toBeNull();
  });
  it('refuses it missing or unfunded', () => {
    expect(checkPoolOutputs(required, [{ value: 9n, script: MINER }])).toMatch(/missing/);
    expect(checkPoolOutputs(required, [{ value: 0n, script: POOL }, { value: 9n, script: MINER }])).toMatch(/no sats/);
  });
  it('encodes the outputs as a CompactSize-prefixed vector', () => {
    const v = encodeOutputVector(required);
    expect(v[0]).toBe(1);
    expect(v.length).toBe(1 + 8 + 1 + POOL.length);
  });
});
