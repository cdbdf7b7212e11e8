/**
 * The pool's coinbase outputs: the one function that decides who a coinbase pays, used for every
 * job the pool builds (pool-paid, solo and coinbase-payout work) and for the outputs a Job
 * Declarator requires of miner-built templates. The template's own outputs (the witness
 * commitment) come after these.
 */
import type { TxOut } from '../bitcoin/tx.js';
import { feeOf, splitByWeight } from './pplns.js';

/** One miner paid in the coinbase by weight (PPLNS difficulty), with where its part goes. */
export interface CoinbasePayee {
  script: Uint8Array;
  weight: number;
}

export type CoinbasePayout =
  /** Everything to the pool (its accounts are credited in its database). */
  | { kind: 'pool' }
  /** A solo miner: `poolBps` of the value to the pool (fee or donation), the rest to `script`. */
  | { kind: 'solo'; script: Uint8Array; poolBps: number }
  /** Payouts in the coinbase: the value less the fee split by weight; who is left out is the pool's to carry forward. */
  | { kind: 'shares'; payees: readonly CoinbasePayee[]; feeBps: number };

export interface CoinbasePolicy {
  poolScript: Uint8Array;
  /** Outputs below this are not made; their value goes to the pool (and is credited, not lost). */
  dustSats: bigint;
  /** Most payee outputs in one coinbase (the pool's own comes on top). */
  maxOutputs: number;
}

/** Coinbase outputs for `value` satoshis (coinbase_tx_value_remaining); they sum to it exactly. */
export function poolCoinbaseOutputs(value: bigint, payout: CoinbasePayout, policy: CoinbasePolicy): TxOut[] {
  if (payout.kind === 'pool') return [{ value, script: policy.poolScript }];
  if (payout.kind === 'solo') {
    const pool = feeOf(value, payout.poolBps);
    const out: TxOut[] = [{ value: value - pool, script: payout.script }];
    if (pool > 0n) out.push({ value: pool, script: policy.poolScript });
    return out;
  }
  const fee = feeOf(value, payout.feeBps);
  const weights = new Map<number, number>();
  payout.payees.forEach((p, i) => weights.set(i, p.weight));
  const parts = [...splitByWeight(value - fee, weights)]
    .map(([i, amount]) => ({ script: payout.payees[i]!.script, amount }))
    .filter((p) => p.amount >= policy.dustSats && p.amount > 0n)
    // Largest first; equal amounts in script order, so every rebuild gives the same coinbase.
    .sort((a, b) => (a.amount === b.amount ? compareBytes(a.script, b.script) : a.amount > b.amount ? -1 : 1))
    .slice(0, policy.maxOutputs);
  const out: TxOut[] = parts.map((p) => ({ value: p.amount, script: p.script }));
  const paid = out.reduce((s, o) => s + o.value, 0n);
  if (value - paid > 0n || out.length === 0) out.push({ value: value - paid, script: policy.poolScript });
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Largest coinbase output bytes a payout can add (for CoinbaseOutputConstraints): 8 value + 1 length + script. */
export function payoutOutputBytes(poolScriptLength: number, opts: { solo: boolean; maxPayees: number }): number {
  const maxScript = 34; // P2WSH / P2TR, the longest standard address script
  const pool = 9 + poolScriptLength;
  return pool + Math.max(opts.solo ? 9 + maxScript : 0, opts.maxPayees * (9 + maxScript));
}
