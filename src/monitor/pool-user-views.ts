/** The pool's users, their workers, credits and balances, and what each block paid: /api/v1/users, /api/v1/users/{id}. */
import { pageRequest } from '../roles/common/paging.js';
import type { Pool } from '../roles/pool/pool.js';
import type { UserRow } from '../roles/pool/accounting-reader.js';

function userView(pool: Pool, u: UserRow) {
  return { ...u, hashrate: pool.users.hashrate(u.kind, u.name, pool.now()) };
}

/** Users, most recently active first (offset / limit, at most 1 000 a page). */
export function poolUsers(pool: Pool, params: Record<string, string>) {
  const { offset, limit } = pageRequest(params);
  return { offset, limit, total: pool.accounts.userCount(), items: pool.accounts.users(offset, limit).map((u) => userView(pool, u)) };
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
