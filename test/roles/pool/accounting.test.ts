import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashToDisplay } from '../../../src/bitcoin/bytes.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import { BlockSettler } from '../../../src/roles/pool/block-settler.js';
import { ShareStore, type UserRef } from '../../../src/roles/pool/share-store.js';
import { tempPath } from '../../support/temp.js';

/** The pool's schema before accounting (version 0), as a database of that release has it. */
const TODAY = `
  CREATE TABLE IF NOT EXISTS shares (
    id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, user_identity TEXT NOT NULL, worker TEXT, connection_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL, sequence_number INTEGER NOT NULL, job_id INTEGER NOT NULL, difficulty REAL NOT NULL
  );
  CREATE INDEX IF NOT EXISTS shares_by_user ON shares (user_identity, time_ms);
  CREATE TABLE IF NOT EXISTS blocks (
    id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, block_hash TEXT NOT NULL UNIQUE, height INTEGER, template_id TEXT NOT NULL,
    user_identity TEXT NOT NULL, channel_id INTEGER NOT NULL, status TEXT NOT NULL, reject_reason TEXT
  );
  CREATE TABLE IF NOT EXISTS history (
    t INTEGER PRIMARY KEY, hashrate REAL NOT NULL, accepted INTEGER NOT NULL, rejected INTEGER NOT NULL, blocks INTEGER NOT NULL,
    connections INTEGER NOT NULL, channels INTEGER NOT NULL
  );
`;

const account = (name: string): UserRef => ({ name, kind: 'account', address: null });
const block = (hash: string) => ({ timeMs: 5, blockHash: hash, height: 10, templateId: '1', userIdentity: 'alice.rig', channelId: 1, status: 'submitted' as const, rejectReason: null });

function balances(store: ShareStore) {
  return store.database.prepare('SELECT name, balance_sats AS balance, immature_sats AS immature FROM balances ORDER BY name').all();
}

describe('accounting database', () => {
  it('migrates a database of today\'s schema: every share kept, users and workers filled in from them', () => {
    const file = tempPath('pool.sqlite');
    const old = new Database(file);
    old.exec(TODAY);
    const insert = old.prepare('INSERT INTO shares (time_ms, user_identity, worker, connection_id, channel_id, sequence_number, job_id, difficulty) VALUES (?, ?, ?, 1, 1, ?, 1, ?)');
    old.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(1000 + i, i % 3 === 0 ? 'alice.rig1' : i % 3 === 1 ? 'alice.rig2' : 'bob', i % 5 === 0 ? `w${i % 2}` : null, i, 1 + (i % 7));
    })();
    old.prepare("INSERT INTO blocks (time_ms, block_hash, height, template_id, user_identity, channel_id, status) VALUES (9, 'aa', 3, '1', 'bob', 1, 'accepted')").run();
    old.prepare('INSERT INTO history VALUES (1, 2, 3, 4, 5, 6, 7)').run();
    const before = old.prepare('SELECT id, time_ms, user_identity, worker, sequence_number, difficulty FROM shares ORDER BY id').all();
    old.close();

    const store = new ShareStore(file);
    expect(store.database.pragma('user_version', { simple: true })).toBe(2);
    // Version 2 drops the index by user: the share path never reads by it.
    expect(store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'shares_by_user'").all()).toEqual([]);
    expect(store.shareCount()).toBe(5000);
    expect(store.database.prepare('SELECT id, time_ms, user_identity, worker, sequence_number, difficulty FROM shares ORDER BY id').all()).toEqual(before);
    // The default rules: the account is the identity before its first dot.
    expect(store.database.prepare('SELECT name, kind FROM users ORDER BY name').all()).toEqual([
      { name: 'alice', kind: 'account' },
      { name: 'bob', kind: 'account' },
    ]);
    expect(store.database.prepare('SELECT count(*) AS n FROM shares WHERE user_id IS NULL').get()).toEqual({ n: 0 });
    expect(store.database.prepare('SELECT u.name AS user, w.name AS worker FROM workers w JOIN users u ON u.id = w.user_id ORDER BY 1, 2').all()).toEqual([
      { user: 'alice', worker: 'w0' },
      { user: 'alice', worker: 'w1' },
      { user: 'bob', worker: 'w0' },
      { user: 'bob', worker: 'w1' },
    ]);
    // Running totals per user and worker, from the shares.
    expect(store.database.prepare('SELECT name, shares, difficulty_sum AS d, last_share_ms AS t FROM users ORDER BY name').all()).toEqual([
      { name: 'alice', shares: 3334, d: (before as { user_identity: string; difficulty: number }[]).filter((r) => r.user_identity !== 'bob').reduce((s, r) => s + r.difficulty, 0), t: 1000 + 4999 },
      { name: 'bob', shares: 1666, d: (before as { user_identity: string; difficulty: number }[]).filter((r) => r.user_identity === 'bob').reduce((s, r) => s + r.difficulty, 0), t: 1000 + 4997 },
    ]);
    expect(store.blocks()).toHaveLength(1);
    expect(store.history(0)).toHaveLength(1);
    store.add({ timeMs: 9999, userIdentity: 'carol', connectionId: 2, channelId: 1, sequenceNumber: 1, jobId: 1, difficulty: 1, worker: 'x' });
    store.close();
    // Opening it again changes nothing.
    const again = new ShareStore(file);
    expect(again.shareCount()).toBe(5001);
    expect(again.database.prepare("SELECT u.shares AS u, w.shares AS w FROM users u JOIN workers w ON w.user_id = u.id WHERE u.name = 'carol'").get()).toEqual({ u: 1, w: 1 });
    expect(again.database.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 3 });
    again.close();
  });

  it('writes a block\'s credits with it; they mature when the block is confirmed', () => {
    const s = new ShareStore(':memory:');
    s.recordBlock(block('b1'), { rewardSats: 1000n, feeSats: 10n, payoutScheme: 'pplns', credits: [
      { user: account('alice'), amountSats: 600n, state: 'immature' },
      { user: account('bob'), amountSats: 390n, state: 'immature' },
    ] });
    // The same block again (a resubmission) credits nothing twice.
    s.recordBlock(block('b1'), { credits: [{ user: account('alice'), amountSats: 600n, state: 'immature' }] });
    expect(balances(s)).toEqual([
      { name: 'alice', balance: 0, immature: 600 },
      { name: 'bob', balance: 0, immature: 390 },
    ]);
    expect(s.unsettledBlocks()).toEqual([{ blockHash: 'b1', height: 10, status: 'submitted' }]);
    s.setChainState('b1', 'confirmed');
    expect(balances(s)).toEqual([
      { name: 'alice', balance: 600, immature: 0 },
      { name: 'bob', balance: 390, immature: 0 },
    ]);
    expect(s.unsettledBlocks()).toEqual([]);
    s.close();
  });

  it('voids the credits of a block that leaves the best chain, or that the node finds stale', () => {
    const s = new ShareStore(':memory:');
    s.recordBlock(block('b1'), { credits: [{ user: account('alice'), amountSats: 500n, state: 'immature' }] });
    s.recordBlock(block('b2'), { credits: [{ user: account('alice'), amountSats: 700n, state: 'immature' }] });
    s.setChainState('b1', 'orphaned');
    s.updateBlock('b2', 'stale', 'stale');
    expect(balances(s)).toEqual([{ name: 'alice', balance: 0, immature: 0 }]);
    expect(s.database.prepare('SELECT block_hash AS h, chain_state AS c FROM blocks ORDER BY id').all()).toEqual([
      { h: 'b1', c: 'orphaned' },
      { h: 'b2', c: 'orphaned' },
    ]);
    expect(s.database.prepare('SELECT state FROM credits').all()).toEqual([{ state: 'void' }, { state: 'void' }]);
    s.close();
  });
});

describe('found blocks settle on the chain\'s answer', () => {
  const [H01, H02, H03] = ['01', '02', '03'].map((b) => b.repeat(32)) as [string, string, string];
  it('a block the chain no longer has on its best chain is orphaned and its credits void; one deep enough confirmed', async () => {
    const s = new ShareStore(':memory:');
    s.recordBlock(block(H01), { credits: [{ user: account('alice'), amountSats: 500n, state: 'immature' }] });
    s.recordBlock(block(H02), { credits: [{ user: account('bob'), amountSats: 700n, state: 'immature' }] });
    s.recordBlock(block(H03), { credits: [{ user: account('carol'), amountSats: 900n, state: 'immature' }] });
    const depths = new Map([[H01, -1], [H02, 100], [H03, 99]]);
    const settler = new BlockSettler({
      store: s,
      depth: async (hash) => depths.get(hashToDisplay(hash)),
      tipHeight: () => null,
      awaitingVerdict: () => false,
      confirmations: 100,
      log: silentLogger(),
    });
    settler.settle();
    await settler.whenIdle();
    expect(balances(s)).toEqual([
      { name: 'alice', balance: 0, immature: 0 },
      { name: 'bob', balance: 700, immature: 0 },
      { name: 'carol', balance: 0, immature: 900 },
    ]);
    expect(s.unsettledBlocks().map((b) => b.blockHash)).toEqual([H03]);
    // Without an answer (a Template Provider feed), heights decide, but only for a block the chain built on (accepted).
    const byHeight = new BlockSettler({ store: s, depth: async () => undefined, tipHeight: () => 109, awaitingVerdict: () => false, confirmations: 100, log: silentLogger() });
    byHeight.settle();
    await byHeight.whenIdle();
    expect(s.unsettledBlocks().map((b) => b.blockHash)).toEqual([H03]);
    s.updateBlock(H03, 'accepted');
    byHeight.settle();
    await byHeight.whenIdle();
    expect(s.unsettledBlocks()).toEqual([]);
    s.close();
  });
});

