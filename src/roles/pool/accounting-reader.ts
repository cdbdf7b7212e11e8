/**
 * Read-only queries over the accounting database, for the API and `sv2 pool payouts`. Users'
 * totals are running columns, so listing users costs no scan of the shares.
 */
import type { Database as Db } from 'better-sqlite3';

export interface UserRow {
  id: number;
  name: string;
  kind: 'account' | 'solo' | 'donate';
  payout_address: string | null;
  first_seen_ms: number;
  shares: number;
  difficulty_sum: number;
  last_share_ms: number | null;
  workers: number;
  /** Mature credits less payments made: what the pool owes. */
  balance_sats: number;
  immature_sats: number;
  paid_in_coinbase_sats: number;
}

export interface WorkerRow {
  name: string;
  shares: number;
  difficulty_sum: number;
  last_share_ms: number | null;
}

export interface CreditRow {
  block_hash: string;
  height: number | null;
  time_ms: number;
  amount_sats: number;
  state: 'immature' | 'mature' | 'void' | 'paid';
}

export interface PayoutRow {
  user: string;
  kind: string;
  payout_address: string | null;
  amount_sats: number;
  state: string;
}

const USER_COLUMNS = `
  u.id AS id, u.name AS name, u.kind AS kind, u.payout_address AS payout_address, u.first_seen_ms AS first_seen_ms,
  u.shares AS shares, u.difficulty_sum AS difficulty_sum, u.last_share_ms AS last_share_ms,
  (SELECT count(*) FROM workers w WHERE w.user_id = u.id) AS workers,
  b.balance_sats AS balance_sats, b.immature_sats AS immature_sats, b.paid_in_coinbase_sats AS paid_in_coinbase_sats
  FROM users u JOIN balances b ON b.user_id = u.id`;

export class AccountingReader {
  constructor(private readonly db: Db) {}

  userCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  /** Users, the most recently active first. */
  users(offset: number, limit: number): UserRow[] {
    return this.db.prepare(`SELECT ${USER_COLUMNS} ORDER BY coalesce(u.last_share_ms, 0) DESC, u.id LIMIT ? OFFSET ?`).all(limit, offset) as UserRow[];
  }

  user(id: number): UserRow | undefined {
    return this.db.prepare(`SELECT ${USER_COLUMNS} WHERE u.id = ?`).get(id) as UserRow | undefined;
  }

  workers(userId: number, limit = 1000): WorkerRow[] {
    return this.db
      .prepare('SELECT name, shares, difficulty_sum, last_share_ms FROM workers WHERE user_id = ? ORDER BY coalesce(last_share_ms, 0) DESC, name LIMIT ?')
      .all(userId, limit) as WorkerRow[];
  }

  /** The user's latest credits, newest first. */
  credits(userId: number, limit = 100): CreditRow[] {
    return this.db
      .prepare('SELECT b.block_hash AS block_hash, b.height AS height, b.time_ms AS time_ms, c.amount_sats AS amount_sats, c.state AS state FROM credits c JOIN blocks b ON b.id = c.block_id WHERE c.user_id = ? ORDER BY c.id DESC LIMIT ?')
      .all(userId, limit) as CreditRow[];
  }

  /** Reward, fee, scheme and chain state of a block, and who it paid or credited. */
  blockPayout(blockHash: string): { reward_sats: number | null; fee_sats: number | null; payout_scheme: string | null; chain_state: string; payouts: PayoutRow[] } | undefined {
    const b = this.db.prepare('SELECT id, reward_sats, fee_sats, payout_scheme, chain_state FROM blocks WHERE block_hash = ?').get(blockHash) as
      | { id: number; reward_sats: number | null; fee_sats: number | null; payout_scheme: string | null; chain_state: string }
      | undefined;
    if (b === undefined) return undefined;
    const payouts = this.db
      .prepare('SELECT u.name AS user, u.kind AS kind, u.payout_address AS payout_address, c.amount_sats AS amount_sats, c.state AS state FROM credits c JOIN users u ON u.id = c.user_id WHERE c.block_id = ? ORDER BY c.amount_sats DESC, u.name')
      .all(b.id) as PayoutRow[];
    return { reward_sats: b.reward_sats, fee_sats: b.fee_sats, payout_scheme: b.payout_scheme, chain_state: b.chain_state, payouts };
  }

  /** What the pool owes: every user with a balance of at least `minSats`, largest first. */
  owed(minSats = 1): { name: string; kind: string; payout_address: string | null; balance_sats: number; immature_sats: number }[] {
    return this.db
      .prepare('SELECT name, kind, payout_address, balance_sats, immature_sats FROM balances WHERE balance_sats >= ? ORDER BY balance_sats DESC, name')
      .all(minSats) as { name: string; kind: string; payout_address: string | null; balance_sats: number; immature_sats: number }[];
  }
}
