/**
 * Who a found block pays, as the accounting database records it: the PPLNS window of the pool
 * accounts' shares (kept in memory, refilled from the database at start), a block's credits
 * (written in the block's own transaction), and the payouts in the coinbase. Pure bookkeeping:
 * the pool calls it from its share and block paths.
 */
import { equalBytes } from '../../bitcoin/bytes.js';
import { difficultyFromBits } from '../../bitcoin/target.js';
import { parseTransaction } from '../../bitcoin/tx.js';
import type { PayoutTarget } from '../../channels/payout-identity.js';
import type { CoinbasePayee, CoinbasePayout } from '../../channels/payout-outputs.js';
import { POOL_ACCOUNT, PplnsWindow, pplnsSplit, splitByWeight } from '../../channels/pplns.js';
import { addressToScript } from '../../bitcoin/address.js';
import { parseUserIdentity, type IdentityRules } from '../../channels/payout-identity.js';
import { poolNetwork, rewardScriptOf, type PoolConfig } from './config.js';
import { ShareStore, type BlockCredit, type BlockPayout, type UserRef } from './share-store.js';

export interface PoolPayoutsOptions {
  scheme: 'pplns' | 'coinbase';
  poolScript: Uint8Array;
  feeBps: number;
  /** The window: the latest shares worth this many network difficulties. */
  windowFactor: number;
  maxShares: number;
}

/** What a found block's payout is computed from: its coinbase, its nBits, who found it and the difficulty of that share. */
export interface PayoutBlock {
  block: { coinbase: Uint8Array; nbits: number };
  payout: PayoutTarget;
  difficulty: number;
}

const users = new WeakMap<PayoutTarget, UserRef>();

/** The user a payout target is credited as (one object per target: a channel's shares share it). */
export function userOf(t: PayoutTarget): UserRef {
  let u = users.get(t);
  if (u === undefined) users.set(t, (u = makeUser(t)));
  return u;
}

function makeUser(t: PayoutTarget): UserRef {
  if (t.kind === 'account') return { name: t.account, kind: 'account', address: t.script === undefined ? null : t.account };
  if (t.kind === 'solo') return { name: t.address, kind: 'solo', address: t.address };
  return { name: 'sri/donate', kind: 'donate', address: null };
}

export class PoolPayouts {
  readonly window: PplnsWindow;
  /** Account → its coinbase script, for accounts named by an address (payable in the coinbase). */
  private readonly scripts = new Map<string, Uint8Array>();
  /** The network difficulty of the latest tip: sets the window of coinbase payouts. */
  private networkDifficulty = 0;

  constructor(private readonly opts: PoolPayoutsOptions) {
    this.window = new PplnsWindow({ maxShares: opts.maxShares });
  }

  /** Refills the window from the database (shares newest first). */
  restore(latest: readonly { kind: UserRef['kind']; name: string; difficulty: number }[], scriptOf: (account: string) => Uint8Array | undefined): void {
    for (let i = latest.length - 1; i >= 0; i--) {
      const s = latest[i]!;
      const account = s.kind === 'donate' ? POOL_ACCOUNT : s.name;
      this.window.add(account, s.difficulty);
      if (s.kind === 'account' && !this.scripts.has(account)) {
        const script = scriptOf(account);
        if (script !== undefined) this.scripts.set(account, script);
      }
    }
  }

  /** An accepted share: a pool account's or donor's counts in the window; a solo miner's does not. */
  onShare(payout: PayoutTarget, difficulty: number): void {
    if (payout.kind === 'solo') return;
    if (payout.kind === 'donate') {
      this.window.add(POOL_ACCOUNT, difficulty);
      return;
    }
    this.window.add(payout.account, difficulty);
    if (payout.script !== undefined && !this.scripts.has(payout.account)) this.scripts.set(payout.account, payout.script);
  }

  /** The tip's nBits: the window of the coinbase payouts follows the network difficulty. */
  onTip(nbits: number): void {
    this.networkDifficulty = difficultyFromBits(nbits);
  }

  /** The pool accounts' coinbase payout now: the window's accounts that have an address (coinbase scheme). */
  coinbasePayout(): CoinbasePayout {
    if (this.opts.scheme !== 'coinbase') return { kind: 'pool' };
    const payees: CoinbasePayee[] = [];
    for (const [account, weight] of this.window.weights(this.windowDifficulty(this.networkDifficulty))) {
      const script = this.scripts.get(account);
      if (script !== undefined) payees.push({ script, weight });
    }
    return { kind: 'shares', payees, feeBps: this.opts.feeBps };
  }

  private windowDifficulty(networkDifficulty: number): number {
    // A chain so easy that its difficulty is below one share (regtest) still gets a window of shares.
    return this.opts.windowFactor * Math.max(networkDifficulty, Number.MIN_VALUE);
  }

  /**
   * What a found block pays, from its coinbase: a solo miner's output (paid), or the PPLNS split
   * of what it pays the pool (immature credits; with payouts in the coinbase the accounts' outputs
   * are paid and the rest of their part is carried forward as credits).
   */
  blockPayout(c: PayoutBlock, user: UserRef): BlockPayout {
    const outputs = parseTransaction(c.block.coinbase).outputs;
    const toPool = outputs.filter((o) => equalBytes(o.script, this.opts.poolScript)).reduce((s, o) => s + o.value, 0n);
    const base = { user, worker: c.payout.worker };
    if (c.payout.kind === 'solo') {
      const script = c.payout.script;
      const mined = outputs.filter((o) => equalBytes(o.script, script)).reduce((s, o) => s + o.value, 0n);
      return { ...base, payoutScheme: 'solo', rewardSats: mined, feeSats: toPool, credits: [{ user, amountSats: mined, state: 'paid' }] };
    }
    // The finder's share is the newest in the window (the window itself gets it just after).
    const n = this.windowDifficulty(difficultyFromBits(c.block.nbits));
    const weights = this.window.weights(n - Math.min(c.difficulty, n));
    const finder = c.payout.kind === 'account' ? c.payout.account : POOL_ACCOUNT;
    weights.set(finder, (weights.get(finder) ?? 0) + Math.min(c.difficulty, n));
    const paidOut = new Map<string, bigint>();
    let coinbasePaid = 0n;
    if (this.opts.scheme === 'coinbase') {
      for (const [account, script] of this.scripts) {
        const v = outputs.filter((o) => equalBytes(o.script, script)).reduce((s, o) => s + o.value, 0n);
        if (v > 0n) paidOut.set(account, v);
        coinbasePaid += v;
      }
    }
    const reward = toPool + coinbasePaid;
    const { fee, parts } = pplnsSplit(reward, this.opts.feeBps, weights);
    const credits: BlockCredit[] = [];
    const userRef = (account: string): UserRef => ({ name: account, kind: 'account', address: this.scripts.has(account) ? account : null });
    for (const [account, paid] of paidOut) credits.push({ user: userRef(account), amountSats: paid, state: 'paid' });
    // What the coinbase did not pay (dust, the output cap, no address, shares since its outputs were made) is carried forward...
    const short = new Map<string, number>();
    let owed = 0n;
    for (const [account, amount] of parts) {
      const due = account === POOL_ACCOUNT ? 0n : amount - (paidOut.get(account) ?? 0n);
      if (due <= 0n) continue;
      short.set(account, Number(due));
      owed += due;
    }
    // ...but only out of what the pool output holds beyond its fee and its own part: payees paid on an older window
    // (a job's outputs, a JD client's token) cannot have the pool owe the newer shares more than it got.
    const held = toPool - fee - (parts.get(POOL_ACCOUNT) ?? 0n);
    const carried = owed <= held ? [...short].map(([a, v]) => [a, BigInt(v)] as const) : [...splitByWeight(held, short)];
    for (const [account, amount] of carried) if (amount > 0n) credits.push({ user: userRef(account), amountSats: amount, state: 'immature' });
    return { ...base, payoutScheme: c.payout.kind === 'donate' ? 'donate' : this.opts.scheme, rewardSats: reward, feeSats: fee, credits };
  }
}

/** Who an identity names by the pool's rules; one they refuse (stored before, or a JD client's token's) is the account it names. */
export function payoutTargetOf(identity: string, rules: IdentityRules): PayoutTarget {
  try {
    return parseUserIdentity(identity, rules);
  } catch {
    const dot = identity.indexOf('.');
    return { kind: 'account', account: dot < 0 ? identity : identity.slice(0, dot), worker: dot < 0 ? undefined : identity.slice(dot + 1) };
  }
}

/** The user an identity stored before users existed belongs to. */
function classifyIdentity(identity: string, rules: IdentityRules): UserRef {
  return userOf(payoutTargetOf(identity, rules));
}

/** The pool's identity rules, its accounting database (migrated) and its PPLNS window, refilled from that database. */
export function openAccounting(cfg: PoolConfig): { rules: IdentityRules; store: ShareStore; payouts: PoolPayouts } {
  const rules: IdentityRules = { network: poolNetwork(cfg), solo: cfg.solo_mining, soloFeeBps: Math.round(cfg.solo_fee_percent * 100) };
  const store = new ShareStore(cfg.accounting_db, { classify: (identity) => classifyIdentity(identity, rules) });
  const payouts = new PoolPayouts({
    scheme: cfg.payout_scheme,
    poolScript: rewardScriptOf(cfg),
    feeBps: Math.round(cfg.pool_fee_percent * 100),
    windowFactor: cfg.pplns_window_factor,
    maxShares: cfg.pplns_max_shares,
  });
  payouts.restore(store.latestShares(cfg.pplns_max_shares), (account) => {
    try {
      return addressToScript(account, rules.network);
    } catch {
      return undefined;
    }
  });
  return { rules, store, payouts };
}
