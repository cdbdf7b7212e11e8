import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import type { RunningNode } from '../../../src/roles/common/embedded-node.js';
import type { Pool } from '../../../src/roles/pool/pool.js';
import { startTestPool } from '../../support/pool.js';
import { poolClients, poolGlobal } from '../../../src/monitor/pool-views.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
let pool: Pool;
let node: RunningNode;

beforeAll(async () => {
  ({ pool, node } = await startTestPool(authority));
});
afterAll(() => pool?.close());

describe('pool over real sockets', () => {
  it('refuses the wrong authority and a SetupConnection it cannot serve', async () => {
    await expect(TestClient.connect(pool.port, AuthorityKeyPair.generate().publicKey.toString())).rejects.toThrow(/certificate/i);
    const c = await TestClient.connect(pool.port, authority.publicKey.toString());
    const reply = await c.setup(MiningSetupFlags.RequiresWorkSelection);
    expect(reply).toMatchObject({ name: 'SetupConnectionError', message: { flags: MiningSetupFlags.RequiresWorkSelection, errorCode: 'unsupported-feature-flags' } });
    await c.conn.closed;
  });

  it('standard channel: a good share is accepted and, at regtest difficulty, lands a block in the chain', async () => {
    const c = await TestClient.connect(pool.port, authority.publicKey.toString());
    expect((await c.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const ch = await c.openStandard('alice.worker1', 1e3);
    const height = node.chain.height;
    const share = grind(ch, (x) => x.isBlock);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    const ok = await c.next('SubmitSharesSuccess');
    expect(ok.message).toMatchObject({ channelId: ch.channelId, lastSequenceNumber: 1, newSubmitsAcceptedCount: 1 });
    // The chain moved: the pool sends the next job and prev hash.
    const prev = await c.next('SetNewPrevHash');
    expect(node.chain.height).toBe(height + 1);
    expect(Buffer.from(prev.message.prevHash).equals(Buffer.from(node.chain.tip.hash))).toBe(true);
    expect(pool.store.blocks().at(-1)).toMatchObject({ userIdentity: 'alice.worker1', status: 'accepted' });
    await c.close();
  });

  it('extended channel: low-difficulty, duplicate, wrong-job and stale shares get their error codes', async () => {
    const c = await TestClient.connect(pool.port, authority.publicKey.toString());
    await c.setup(0);
    // A huge nominal hashrate gives a hard channel target: most hashes miss it.
    const ch = await c.openExtended('bob', 1e15, 8);
    const en = new Uint8Array(ch.extranonceSize).fill(7);
    const base = { channelId: ch.channelId, extranonce: en };
    // A hash over the network target (top bit set) that misses the channel target: too easy.
    const low = grind(ch, (x) => !x.meetsTarget && !x.isBlock, en);
    await c.send('SubmitSharesExtended', { ...base, sequenceNumber: 1, jobId: low.jobId, nonce: low.nonce, ntime: low.ntime, version: low.version });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 1, errorCode: 'difficulty-too-low' });
    await c.send('SubmitSharesExtended', { ...base, sequenceNumber: 2, jobId: 12345, nonce: 1, ntime: low.ntime, version: low.version });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 2, errorCode: 'invalid-job-id' });
    await c.send('SubmitSharesExtended', { ...base, sequenceNumber: 3, extranonce: new Uint8Array(3), jobId: low.jobId, nonce: 1, ntime: low.ntime, version: low.version });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 3, errorCode: 'bad-extranonce-size' });
    await c.send('SubmitSharesExtended', { ...base, sequenceNumber: 4, jobId: low.jobId, nonce: 1, ntime: low.ntime, version: low.version ^ 0x1 });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 4, errorCode: 'invalid-non-rollable-version-bit' });
    // A block share is accepted; once the tip has moved to its block, the same share is a
    // duplicate (it was credited) and any other share of that job is stale.
    const good = grind(ch, (x) => x.isBlock, en);
    const share = { ...base, jobId: good.jobId, nonce: good.nonce, ntime: good.ntime, version: good.version };
    await c.send('SubmitSharesExtended', { ...share, sequenceNumber: 5 });
    expect((await c.next('SubmitSharesSuccess')).message).toMatchObject({ lastSequenceNumber: 5 });
    await c.next('SetNewPrevHash');
    await c.send('SubmitSharesExtended', { ...share, sequenceNumber: 6 });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 6, errorCode: 'duplicate-share' });
    await c.send('SubmitSharesExtended', { ...share, sequenceNumber: 7, nonce: share.nonce + 1 });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 7, errorCode: 'stale-share' });
    // A second channel with a target easier than the network's: a share that is not a block, sent twice.
    const easy = await c.openExtended('bob.easy', 0.01, 8, 2);
    const en2 = new Uint8Array(easy.extranonceSize).fill(9);
    const s2 = grind(easy, (x) => x.meetsTarget && !x.isBlock, en2);
    const again = { channelId: easy.channelId, extranonce: en2, jobId: s2.jobId, nonce: s2.nonce, ntime: s2.ntime, version: s2.version };
    await c.send('SubmitSharesExtended', { ...again, sequenceNumber: 1 });
    expect((await c.next('SubmitSharesSuccess')).message).toMatchObject({ channelId: easy.channelId, lastSequenceNumber: 1 });
    await c.send('SubmitSharesExtended', { ...again, sequenceNumber: 2 });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ channelId: easy.channelId, sequenceNumber: 2, errorCode: 'duplicate-share' });
    await c.close();
  });

  it('drops a hostile client while the others keep mining', async () => {
    const good = await TestClient.connect(pool.port, authority.publicKey.toString());
    await good.setup(MiningSetupFlags.RequiresStandardJobs);
    const ch = await good.openStandard('carol', 1e3);
    const bad = await TestClient.connect(pool.port, authority.publicKey.toString());
    // A mining message before SetupConnection is a protocol violation.
    await bad.send('OpenStandardMiningChannel', { requestId: 1, userIdentity: 'x', nominalHashRate: 1, maxTarget: new Uint8Array(32).fill(0xff) });
    const info = await bad.conn.closed;
    expect(info.by).toBe('peer');
    const share = grind(ch, (x) => x.meetsTarget);
    await good.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 9, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    expect((await good.next('SubmitSharesSuccess')).message.lastSequenceNumber).toBe(9);
    await good.close();
  });

  it('records every acknowledged share in the database', async () => {
    const c = await TestClient.connect(pool.port, authority.publicKey.toString());
    await c.setup(MiningSetupFlags.RequiresStandardJobs);
    // So easy a target that half the shares are not blocks (regtest's target is 2^255).
    const ch = await c.openStandard('dave', 0.01);
    let nonce = 0;
    for (let seq = 1; seq <= 5; seq++) {
      const s = grind(ch, (x) => x.meetsTarget && !x.isBlock, undefined, nonce);
      nonce = s.nonce + 1;
      await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: seq, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
      expect((await c.next('SubmitSharesSuccess')).message.lastSequenceNumber).toBe(seq);
    }
    expect(pool.store.sharesByUser().find((u) => u.userIdentity === 'dave')?.shares).toBe(5);
    // Counted once, by the channel: the metric and the API read the same count, and it outlives the connection.
    const scrape = async () => (await pool.metrics.registry.getSingleMetric('sv2_pool_shares_accepted_total')!.get()).values[0]!.value;
    const before = poolGlobal(pool).shares_accepted;
    expect(await scrape()).toBe(before);
    expect(poolClients(pool, {}).items.find((x) => x.channels.some((h) => h.user_identity === 'dave'))?.shares_accepted).toBe(5);
    await c.close();
    await vi.waitFor(() => expect(poolClients(pool, {}).items.some((x) => x.channels.some((h) => h.user_identity === 'dave'))).toBe(false));
    expect(poolGlobal(pool).shares_accepted).toBe(before);
    expect(await scrape()).toBe(before);
  });

  it('serves 1 000 concurrent channels, and every one gets the job of a new block', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => TestClient.connect(pool.port, authority.publicKey.toString())));
    const channels = [];
    for (const [i, c] of clients.entries()) {
      await c.setup(MiningSetupFlags.RequiresStandardJobs);
      for (let k = 0; k < 100; k++) channels.push({ c, ch: await c.openStandard(`u${i}.${k}`, 1e3, k) });
    }
    expect(pool.manager.channelCount).toBeGreaterThanOrEqual(1000);
    // One channel finds a block: every channel must hear about the new tip.
    const { c, ch } = channels[0]!;
    const s = grind(ch, (x) => x.isBlock);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    const tips = await Promise.all(
      clients.map(async (client) => {
        const seen = new Set<number>();
        while (seen.size < 100) seen.add((await client.next('SetNewPrevHash')).message.channelId);
        return seen.size;
      }),
    );
    expect(tips.reduce((a, b) => a + b, 0)).toBe(1000);
    const openGauge = async () => (await pool.metrics.registry.getSingleMetric('sv2_pool_channels')!.get()).values;
    expect((await openGauge()).find((v) => v.labels.kind === 'standard')?.value).toBe(pool.manager.channelCount);
    await Promise.all(clients.map((x) => x.close()));
    // The gauge is read at scrape time from counts kept as channels close: nothing walks every channel.
    await vi.waitFor(() => expect(pool.manager.channelCount).toBe(0), { timeout: 10_000 });
    expect((await openGauge()).map((v) => v.value)).toEqual([0, 0]);
  });

});
