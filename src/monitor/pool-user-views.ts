/** The pool's users, their workers, credits and balances, and what each block paid: /api/v1/users, /api/v1/users/{id}. */
import type { Pool } from '../roles/pool/pool.js';
import type { UserRow } from '../roles/pool/accounting-reader.js';

function page(raw: string | undefined, fallback: number, max: number): number {
  const n = Number(raw ?? fallback);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
}

function userView(pool: Pool, u: UserRow) {
  return { ...u, hashrate: pool.users.hashrate(u.kind, u.name, pool.now()) };
}

/** Users, most recently active first (offset / limit, at most 1 000 a page). */
export function poolUsers(pool: Pool, offsetRaw: string | undefined, limitRaw: string | undefined) {
  const offset = page(offsetRaw, 0, Number.MAX_SAFE_INTEGER);
  const limit = Math.max(1, page(limitRaw, 100, 1000));
  return { total: pool.accounts.userCount(), offset, limit, items: pool.accounts.users(offset, limit).map((u) => userView(pool, u)) };
}

/** One user: hashrate, totals, balance, workers and latest credits. */
export function poolUser(pool: Pool, idRaw: string) {
  if (!/^\d+$/.test(idRaw)) return undefined;
  const u = pool.accounts.user(Number(idRaw));
  if (u === undefined) return undefined;
  return { ...userView(pool, u), workers: pool.accounts.workers(u.id), credits: pool.accounts.credits(u.id) };
}

/** A block's reward, fee, scheme, chain state (found / confirmed / orphaned) and payouts. */
export function blockPayoutView(pool: Pool, blockHash: string) {
  return pool.accounts.blockPayout(blockHash) ?? { reward_sats: null, fee_sats: null, payout_scheme: null, chain_state: 'found', payouts: [] };
}
