import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShareStore } from '../../../src/roles/pool/share-store.js';
import { tempPath } from '../../support/temp.js';

const share = (seq: number, user = 'alice') => ({
  timeMs: 1_700_000_000_000 + seq, userIdentity: user, connectionId: 1, channelId: 2, sequenceNumber: seq, jobId: 3, difficulty: 0.5,
});

describe('ShareStore', () => {
  it('makes shares durable on flush, and only then', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sv2-store-')), 'pool.sqlite');
    const a = new ShareStore(file);
    a.add(share(1));
    a.add(share(2));
    const reader = new ShareStore(file);
    expect(reader.shareCount()).toBe(0);
    a.flush();
    expect(reader.shareCount()).toBe(2);
    expect(reader.sequenceNumbers(1, 2)).toEqual([1, 2]);
    a.add(share(3, 'bob'));
    a.close();
    expect(reader.sharesByUser()).toEqual([
      { userIdentity: 'alice', shares: 2, difficulty: 1 },
      { userIdentity: 'bob', shares: 1, difficulty: 0.5 },
    ]);
    reader.close();
  });

  it('writes a large batch (multi-row inserts and the rest) with every field, in arrival order, and checks foreign keys again after', () => {
    const store = new ShareStore(tempPath('pool.sqlite'));
    for (const n of [1, 63, 64, 65, 200]) {
      const before = store.shareCount();
      const first = 10_000 * n;
      for (let i = 0; i < n; i++) store.add({ ...share(first + i, i % 3 === 0 ? 'bob' : 'alice'), worker: i % 2 === 0 ? `rig${i}` : undefined });
      store.flush();
      const rows = store.database
        .prepare('SELECT s.time_ms AS t, s.user_identity AS who, s.worker AS worker, s.sequence_number AS seq, s.difficulty AS d, u.name AS user FROM shares s JOIN users u ON u.id = s.user_id WHERE s.id > ? ORDER BY s.id')
        .all(before) as { t: number; who: string; worker: string | null; seq: number; d: number; user: string }[];
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => first + i));
      rows.forEach((r, i) => {
        expect(r).toEqual({ t: 1_700_000_000_000 + first + i, who: i % 3 === 0 ? 'bob' : 'alice', worker: i % 2 === 0 ? `rig${i}` : null, seq: first + i, d: 0.5, user: i % 3 === 0 ? 'bob' : 'alice' });
      });
      expect(store.database.pragma('foreign_keys', { simple: true })).toBe(1);
    }
    const users = store.database.prepare('SELECT name, shares FROM users ORDER BY name').all();
    const total = 1 + 63 + 64 + 65 + 200;
    expect(users).toEqual([
      { name: 'alice', shares: total - [1, 63, 64, 65, 200].reduce((s, n) => s + Math.ceil(n / 3), 0) },
      { name: 'bob', shares: [1, 63, 64, 65, 200].reduce((s, n) => s + Math.ceil(n / 3), 0) },
    ]);
    store.close();
  });

  it('records blocks at once and updates their status', () => {
    const s = new ShareStore(':memory:');
    s.recordBlock({ timeMs: 1, blockHash: 'ab', height: 5, templateId: '9', userIdentity: 'alice', channelId: 2, status: 'submitted', rejectReason: null });
    s.updateBlock('ab', 'rejected', 'high-hash');
    expect(s.blocks()).toEqual([{ timeMs: 1, blockHash: 'ab', height: 5, templateId: '9', userIdentity: 'alice', channelId: 2, status: 'rejected', rejectReason: 'high-hash' }]);
    s.close();
  });
});

describe('ShareStore history (the dashboard charts)', () => {
  it('keeps points across a reopen and drops those older than a week', () => {
    const file = tempPath('history.sqlite');
    const week = 7 * 24 * 60 * 60_000;
    const p = (t: number, accepted: number) => ({ t, hashrate: 1.5e9, accepted, rejected: 1, blocks: 0, connections: 2, channels: 3 });
    const a = new ShareStore(file);
    a.appendHistory(p(1_000, 5));
    a.appendHistory(p(61_000, 7));
    a.close();
    const b = new ShareStore(file);
    expect(b.history(0)).toEqual([p(1_000, 5), p(61_000, 7)]);
    expect(b.history(2_000)).toEqual([p(61_000, 7)]);
    b.appendHistory(p(61_000 + week, 9));
    expect(b.history(0).map((x) => x.t)).toEqual([61_000, 61_000 + week]);
    b.close();
  });
});
