/**
 * What a coinbase-payout block credits (PoolPayouts.blockPayout, the one path for the pool's own
 * blocks and JD clients'): payees its coinbase paid are recorded as paid; a block that paid only
 * the pool credits the window to balances instead; and what is carried forward never exceeds
 * what the pool's output holds beyond its fee, so nothing is owed twice.
 */
import { describe, expect, it } from 'vitest';
import { addressToScript } from '../../../src/bitcoin/address.js';
import { finalizeTransaction, type TxOut } from '../../../src/bitcoin/tx.js';
import type { PayoutTarget } from '../../../src/channels/payout-identity.js';
import { PoolPayouts } from '../../../src/roles/pool/payouts.js';
import { REGTEST_BITS } from '../../support/channels.js';

const POOL = addressToScript('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest');
const A = 'bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk';
const SCRIPT_A = addressToScript(A, 'regtest');
const REWARD = 5_000_000_000n;

function coinbase(outputs: TxOut[]): Uint8Array {
  return finalizeTransaction({ version: 2, inputs: [{ prevTxid: new Uint8Array(32), prevVout: 0xffffffff, scriptSig: Uint8Array.of(1, 9), sequence: 0xffffffff, witness: [] }], outputs, locktime: 0 }).raw;
}

function payouts(): PoolPayouts {
  // A window wide enough on regtest that every share counts.
  return new PoolPayouts({ scheme: 'coinbase', poolScript: POOL, feeBps: 100, windowFactor: 1e15, maxShares: 1000 });
}

const accountA: PayoutTarget = { kind: 'account', account: A, worker: 'rig', script: SCRIPT_A };
const bob: PayoutTarget = { kind: 'account', account: 'bob', worker: undefined };
const summary = (credits: readonly { user: { name: string }; amountSats: bigint; state: string }[] | undefined) => (credits ?? []).map((c) => [c.user.name, c.state, c.amountSats]);

describe('coinbase-payout credits', () => {
  it('a coinbase that paid the payee: recorded as paid, nothing owed on top', () => {
    const p = payouts();
    p.onShare(accountA, 1);
    const fee = REWARD / 100n;
    const r = p.blockPayout({ block: { coinbase: coinbase([{ value: REWARD - fee, script: SCRIPT_A }, { value: fee, script: POOL }]), nbits: REGTEST_BITS }, payout: accountA, difficulty: 0 }, { name: A, kind: 'account', address: A });
    expect(summary(r.credits)).toEqual([[A, 'paid', REWARD - fee]]);
    expect(r).toMatchObject({ rewardSats: REWARD, feeSats: fee, payoutScheme: 'coinbase' });
  });

  it('a block that somehow paid only the pool: the window credited to balances (immature), nothing marked paid', () => {
    const p = payouts();
    p.onShare(accountA, 1);
    p.onShare(bob, 1);
    const r = p.blockPayout({ block: { coinbase: coinbase([{ value: REWARD, script: POOL }]), nbits: REGTEST_BITS }, payout: bob, difficulty: 0 }, { name: 'bob', kind: 'account', address: null });
    const fee = REWARD / 100n;
    expect(summary(r.credits)).toEqual([[A, 'immature', (REWARD - fee) / 2n], ['bob', 'immature', (REWARD - fee) / 2n]]);
  });

  it('payees paid on an older window (newer shares since): the newer ones are carried forward only out of what the pool output holds beyond its fee', () => {
    const p = payouts();
    p.onShare(accountA, 1);
    // Bob's share came after the coinbase's outputs were made: A was paid as the only miner.
    p.onShare(bob, 1);
    const fee = REWARD / 100n;
    const spare = 1_000_000n;
    const r = p.blockPayout({ block: { coinbase: coinbase([{ value: REWARD - fee - spare, script: SCRIPT_A }, { value: fee + spare, script: POOL }]), nbits: REGTEST_BITS }, payout: bob, difficulty: 0 }, { name: 'bob', kind: 'account', address: null });
    expect(summary(r.credits)).toEqual([[A, 'paid', REWARD - fee - spare], ['bob', 'immature', spare]]);
    const total = (r.credits ?? []).reduce((s, c) => s + c.amountSats, 0n);
    expect(total + r.feeSats!).toBe(REWARD);
  });
});
