import { afterAll, describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const QUIET_EASY_POOL = {
  POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
  POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
  POOL__SHARES_PER_MINUTE: '6000',
};

const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const o of open.reverse()) await o.close();
});

describe('proxy: upstream failover with devices kept', () => {
  it('the first upstream dies → the second serves the same device channels, no device reconnects; the first returns → back to it', async () => {
    const authA = AuthorityKeyPair.generate();
    const authB = AuthorityKeyPair.generate();
    const poolA: TestPool = await startTestPool(authA, QUIET_EASY_POOL);
    const poolB: TestPool = await startTestPool(authB, QUIET_EASY_POOL);
    open.push(poolB);
    const portA = poolA.pool.port;
    const tp: TestProxy = await startTestProxy([
      { port: poolA.pool.port, authority: authA },
      { port: poolB.pool.port, authority: authB },
    ], { PROXY__RETURN_TO_PREFERRED_SECS: '0.2' });
    open.push(tp);
    const proxy = tp.proxy;
    const c = await TestClient.connect(proxy.port, tp.authority.publicKey.toString());
    await c.setup(MiningSetupFlags.RequiresStandardJobs);
    const ch = await c.openStandard('rig', 50);
    const s1 = grind(ch, (x) => x.meetsTarget);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s1.jobId, nonce: s1.nonce, ntime: s1.ntime, version: s1.version });
    await c.next('SubmitSharesSuccess');
    expect(proxy.upstream.label).toBe(`127.0.0.1:${portA}`);

    const switched = new Promise((resolve) => proxy.events.once('switched', resolve));
    await poolA.close();
    await switched;
    // The device hears of the new upstream only as a new job and prev hash on its own channel.
    const job = await c.next('NewMiningJob');
    expect(job.message.channelId).toBe(ch.channelId);
    ch.onNewMiningJob(job.message);
    ch.onSetNewPrevHash((await c.next('SetNewPrevHash')).message);
    expect(c.conn.isOpen).toBe(true);
    expect(proxy.upstream.label).toBe(`127.0.0.1:${poolB.pool.port}`);
    expect(proxy.upstream.counts.switches).toBe(1);
    const gap = proxy.switchGaps.at(-1)!;
    expect(gap.firstJobAt - gap.lastJobAt!).toBeLessThan(5_000);

    // An old job's share can no longer be paid: stale at once. A new one goes to the second pool.
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 2, jobId: s1.jobId, nonce: s1.nonce + 1, ntime: s1.ntime, version: s1.version });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 2, errorCode: 'stale-share' });
    const s2 = grind(ch, (x) => x.meetsTarget);
    const answer = new Promise<boolean>((resolve) => proxy.events.once('share-answered', (_d, ok) => resolve(ok)));
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 3, jobId: s2.jobId, nonce: s2.nonce, ntime: s2.ntime, version: s2.version });
    expect((await c.next('SubmitSharesSuccess')).message.lastSequenceNumber).toBe(3);
    expect(await answer).toBe(true);
    expect(poolB.pool.store.shareCount()).toBe(1);

    // The preferred upstream returns on its address: the proxy moves back, the device again only sees new work.
    const back = new Promise((resolve) => proxy.events.once('switched', resolve));
    const poolA2 = await startTestPool(authA, { ...QUIET_EASY_POOL, POOL__LISTEN_ADDRESS: `127.0.0.1:${portA}` });
    open.push(poolA2);
    await back;
    ch.onNewMiningJob((await c.next('NewMiningJob')).message);
    ch.onSetNewPrevHash((await c.next('SetNewPrevHash')).message);
    expect(proxy.upstream.label).toBe(`127.0.0.1:${portA}`);
    expect(proxy.upstreams.status()).toMatchObject({ index: 0, returns_to_preferred: 1 });
    const s3 = grind(ch, (x) => x.meetsTarget);
    const answer3 = new Promise<boolean>((resolve) => proxy.events.once('share-answered', (_d, ok) => resolve(ok)));
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 4, jobId: s3.jobId, nonce: s3.nonce, ntime: s3.ntime, version: s3.version });
    await c.next('SubmitSharesSuccess');
    expect(await answer3).toBe(true);
    expect(poolA2.pool.store.shareCount()).toBe(1);
    expect(poolB.pool.store.shareCount()).toBe(1);
    await c.close();
  });
});
