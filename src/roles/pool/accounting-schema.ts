/**
 * The accounting database's schema and its migrations. `PRAGMA user_version` says which
 * migrations a file has had; each runs once, in one transaction, and never drops a row. Version 0
 * is the pool's first schema (shares, blocks, history): a database from before accounting opens
 * here, gets users and workers back-filled from its shares, and keeps every share.
 */
import type { Database as Db } from 'better-sqlite3';
import { ConfigError } from '../common/config.js';

/** Who a share or a block is credited to: a pool account, a solo miner (its address) or a donor. */
export interface UserRef {
  name: string;
  kind: 'account' | 'solo' | 'donate';
  /** The address the user is paid at, when it has one. */
  address: string | null;
}

const V0 = `
  CREATE TABLE IF NOT EXISTS shares (
    id INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    user_identity TEXT NOT NULL,
    worker TEXT,
    connection_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    sequence_number INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    difficulty REAL NOT NULL
  );
  CREATE TABLE IF NOT EXISTS blocks (
    id INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    block_hash TEXT NOT NULL UNIQUE,
    height INTEGER,
    template_id TEXT NOT NULL,
    user_identity TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    reject_reason TEXT
  );
  CREATE TABLE IF NOT EXISTS history (
    t INTEGER PRIMARY KEY,
    hashrate REAL NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    connections INTEGER NOT NULL,
    channels INTEGER NOT NULL
  );
`;

/** Users, workers, credits, payments made, and the block's chain state and reward. */
const V1 = `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    payout_address TEXT,
    first_seen_ms INTEGER NOT NULL,
    -- Running totals of its shares (kept per commit, so reading them costs no scan).
    shares INTEGER NOT NULL DEFAULT 0,
    difficulty_sum REAL NOT NULL DEFAULT 0,
    last_share_ms INTEGER,
    UNIQUE (kind, name)
  );
  CREATE TABLE workers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    shares INTEGER NOT NULL DEFAULT 0,
    difficulty_sum REAL NOT NULL DEFAULT 0,
    last_share_ms INTEGER,
    UNIQUE (user_id, name)
  );
  -- No index on it: every index costs each share's insert, and the per-user totals live in users.
  ALTER TABLE shares ADD COLUMN user_id INTEGER REFERENCES users (id);
  ALTER TABLE blocks ADD COLUMN user_id INTEGER REFERENCES users (id);
  ALTER TABLE blocks ADD COLUMN worker TEXT;
  ALTER TABLE blocks ADD COLUMN reward_sats INTEGER;
  ALTER TABLE blocks ADD COLUMN fee_sats INTEGER;
  ALTER TABLE blocks ADD COLUMN payout_scheme TEXT;
  -- found: waiting for its confirmations; confirmed: mature; orphaned: left (or never joined) the best chain.
  ALTER TABLE blocks ADD COLUMN chain_state TEXT NOT NULL DEFAULT 'found';
  -- immature until the block is confirmed, then mature; void when it is orphaned; paid: in the block's own coinbase.
  CREATE TABLE credits (
    id INTEGER PRIMARY KEY,
    block_id INTEGER NOT NULL REFERENCES blocks (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    amount_sats INTEGER NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (block_id, user_id, state)
  );
  CREATE INDEX credits_by_user ON credits (user_id, state);
  -- What the operator has paid out (sv2 pool payouts prints what is owed).
  CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    amount_sats INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    txid TEXT
  );
  CREATE VIEW balances AS
    SELECT u.id AS user_id, u.name AS name, u.kind AS kind, u.payout_address AS payout_address,
      coalesce((SELECT sum(amount_sats) FROM credits c WHERE c.user_id = u.id AND c.state = 'mature'), 0)
        - coalesce((SELECT sum(amount_sats) FROM payments p WHERE p.user_id = u.id), 0) AS balance_sats,
      coalesce((SELECT sum(amount_sats) FROM credits c WHERE c.user_id = u.id AND c.state = 'immature'), 0) AS immature_sats,
      coalesce((SELECT sum(amount_sats) FROM credits c WHERE c.user_id = u.id AND c.state = 'paid'), 0) AS paid_in_coinbase_sats
    FROM users u;
`;

/**
 * Version 0's `(user_identity, time_ms)` index on shares goes: nothing on the share path reads
 * shares by user (users and workers keep running totals; the PPLNS window refills by id), and it
 * cost two thirds of every share's INSERT. No row changes.
 */
const V2 = `DROP INDEX IF EXISTS shares_by_user;`;

/** The schema version this code writes. */
export const SCHEMA_VERSION = 2;

/**
 * Brings `db` to SCHEMA_VERSION. `classify` names the user of an identity stored before users
 * existed (the pool's own user_identity rules).
 */
export function migrate(db: Db, classify: (userIdentity: string) => UserRef): void {
  // IMMEDIATE: two processes opening one old file migrate it once, one after the other.
  db.transaction(() => {
    db.exec(V0);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new ConfigError('accounting_db', `has schema ${version}, newer than this pool's ${SCHEMA_VERSION}: use a newer release`);
    if (version < 1) {
      db.exec(V1);
      backfillUsers(db, classify);
    }
    if (version < 2) db.exec(V2);
    if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function backfillUsers(db: Db, classify: (userIdentity: string) => UserRef): void {
  const addUser = db.prepare('INSERT OR IGNORE INTO users (name, kind, payout_address, first_seen_ms) VALUES (?, ?, ?, ?)');
  const userId = db.prepare('SELECT id FROM users WHERE kind = ? AND name = ?');
  const addWorker = db.prepare('INSERT OR IGNORE INTO workers (user_id, name, first_seen_ms) VALUES (?, ?, ?)');
  const setShares = db.prepare('UPDATE shares SET user_id = ? WHERE user_identity = ?');
  const setBlocks = db.prepare('UPDATE blocks SET user_id = ? WHERE user_identity = ?');
  const identities = db
    .prepare('SELECT user_identity AS identity, min(time_ms) AS since FROM (SELECT user_identity, time_ms FROM shares UNION ALL SELECT user_identity, time_ms FROM blocks) GROUP BY user_identity')
    .all() as { identity: string; since: number }[];
  for (const { identity, since } of identities) {
    const u = classify(identity);
    addUser.run(u.name, u.kind, u.address, since);
    const { id } = userId.get(u.kind, u.name) as { id: number };
    setShares.run(id, identity);
    setBlocks.run(id, identity);
  }
  const workers = db.prepare('SELECT user_id AS userId, worker, min(time_ms) AS since FROM shares WHERE worker IS NOT NULL GROUP BY user_id, worker').all() as {
    userId: number;
    worker: string;
    since: number;
  }[];
  for (const w of workers) addWorker.run(w.userId, w.worker, w.since);
  db.exec(`
    UPDATE users SET (shares, difficulty_sum, last_share_ms) =
      (SELECT count(*), coalesce(sum(difficulty), 0), max(time_ms) FROM shares s WHERE s.user_id = users.id);
    UPDATE workers SET (shares, difficulty_sum, last_share_ms) =
      (SELECT count(*), coalesce(sum(difficulty), 0), max(time_ms) FROM shares s WHERE s.user_id = workers.user_id AND s.worker = workers.name);
  `);
}
