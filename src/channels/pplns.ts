/**
 * PPLNS, pay per last N shares: a found block's reward, less the pool's fee, is split by the
 * difficulty of the latest shares up to a window of N difficulty (N = factor × the network
 * difficulty, as most PPLNS pools set it; the oldest share in the window counts in part). The
 * window is kept in memory as a ring of (account, difficulty) pairs, so computing it costs
 * O(shares in the window) and no database read. Pure: no clock, no I/O.
 */
import { FULL_BPS } from './payout-identity.js';

/** The account whose part stays with the pool (donors' shares). */
export const POOL_ACCOUNT = '';

/**
 * Splits `amount` satoshis by weight: each key gets floor(amount · w / W), and the satoshis the
 * floors leave go one each to the heaviest keys, so the parts sum to `amount` exactly. Keys of
 * weight 0 get nothing; with no weight at all the result is empty.
 */
export function splitByWeight<K>(amount: bigint, weights: ReadonlyMap<K, number>): Map<K, bigint> {
  const out = new Map<K, bigint>();
  if (amount <= 0n) return out;
  const keys: K[] = [];
  const ws: number[] = [];
  let total = 0;
  for (const [k, w] of weights) {
    if (!(w > 0)) continue;
    keys.push(k);
    ws.push(w);
    total += w;
  }
  if (keys.length === 0 || !(total > 0)) return out;
  // Whole satoshis as doubles: exact below 2^53 (21e14 sats is the most there will ever be).
  const n = Number(amount);
  if (!Number.isSafeInteger(n)) throw new RangeError(`cannot split ${amount} sat: more than 2^53`);
  const parts = new Array<number>(keys.length);
  let given = 0;
  for (let i = 0; i < keys.length; i++) {
    const part = Math.min(n, Math.floor(n * (ws[i]! / total)));
    parts[i] = part;
    given += part;
  }
  // The heaviest first: who gets (or, after a float rounding up, gives back) the odd satoshis.
  const order = keys.map((_, i) => i).sort((x, y) => ws[y]! - ws[x]!);
  for (let j = 0; given > n; j = (j + 1) % order.length) {
    const i = order[j]!;
    if (parts[i]! > 0) {
      parts[i]!--;
      given--;
    }
  }
  for (let j = 0; given < n; j = (j + 1) % order.length) {
    parts[order[j]!]!++;
    given++;
  }
  for (let i = 0; i < keys.length; i++) out.set(keys[i]!, BigInt(parts[i]!));
  return out;
}

/** The pool's fee of `reward` in basis points, rounded down. */
export function feeOf(reward: bigint, feeBps: number): bigint {
  return (reward * BigInt(feeBps)) / BigInt(FULL_BPS);
}

export interface PplnsSplit {
  fee: bigint;
  /** What each account earned; the pool's own part (donors) is under POOL_ACCOUNT. */
  parts: Map<string, bigint>;
}

/** reward = fee + Σ parts, always; with an empty window everything is the pool's. */
export function pplnsSplit(reward: bigint, feeBps: number, weights: ReadonlyMap<string, number>): PplnsSplit {
  const fee = feeOf(reward, feeBps);
  const parts = splitByWeight(reward - fee, weights);
  if (parts.size === 0 && reward - fee > 0n) parts.set(POOL_ACCOUNT, reward - fee);
  return { fee, parts };
}

export interface PplnsWindowOptions {
  /** Shares remembered (the ring's size): a window wider than this is cut to the latest ones. */
  maxShares: number;
}

/** The latest accepted shares of pool accounts, oldest overwritten first. */
export class PplnsWindow {
  private readonly accounts: Int32Array;
  private readonly difficulties: Float64Array;
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private next = 0;
  private count = 0;

  constructor(opts: PplnsWindowOptions) {
    if (!Number.isInteger(opts.maxShares) || opts.maxShares < 1) throw new RangeError(`maxShares must be a positive integer, got ${opts.maxShares}`);
    this.accounts = new Int32Array(opts.maxShares);
    this.difficulties = new Float64Array(opts.maxShares);
  }

  get size(): number {
    return this.count;
  }

  /** One accepted share (POOL_ACCOUNT for a donor's). */
  add(account: string, difficulty: number): void {
    let i = this.index.get(account);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(account);
      this.index.set(account, i);
    }
    this.accounts[this.next] = i;
    this.difficulties[this.next] = difficulty;
    this.next = (this.next + 1) % this.accounts.length;
    if (this.count < this.accounts.length) this.count++;
  }

  /**
   * Difficulty per account over the latest shares summing to `windowDifficulty` (the oldest one
   * in part); all remembered shares when they sum to less.
   */
  weights(windowDifficulty: number): Map<string, number> {
    const sums = new Float64Array(this.names.length);
    const cap = this.accounts.length;
    let left = windowDifficulty;
    for (let k = 0, i = this.next; k < this.count && left > 0; k++) {
      i = i === 0 ? cap - 1 : i - 1;
      const d = Math.min(this.difficulties[i]!, left);
      sums[this.accounts[i]!]! += d;
      left -= d;
    }
    const out = new Map<string, number>();
    for (let a = 0; a < sums.length; a++) if (sums[a]! > 0) out.set(this.names[a]!, sums[a]!);
    return out;
  }
}
