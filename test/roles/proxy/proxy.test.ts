import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import type { Proxy } from '../../../src/roles/proxy/proxy.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';
import { closedSocket, rawNoiseClient } from '../../support/net.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

/** A hard network target (shares are never blocks) and no transactions (no bootstrap mining). */
const QUIET_CHAIN = { POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0' };
/** The pool's target for the proxy's channel is the easiest: every share a device may send goes up. */
const EASY_POOL = { ...QUIET_CHAIN, POOL__SHARES_PER_MINUTE: '6000' };
/** A device announcing this gets ~500 hashes per share at the proxy's 6 shares a minute. */
const DEVICE_HASHRATE = 50;

const poolAuthority = AuthorityKeyPair.generate();
let pool: TestPool;
let tp: TestProxy;
let proxy: Proxy;

async function device(flags: number): Promise<TestClient> {
  const c = await TestClient.connect(proxy.port, tp.authority.publicKey.toString());
  expect((await c.setup(flags)).name).toBe('SetupConnectionSuccess');
  return c;
}

function answered(p: Proxy, channelId: number): Promise<{ accepted: boolean; code: string | undefined }> {
  return new Promise((resolve) => {
    const on = (d: { channelId: number }, accepted: boolean, code: string | undefined): void => {
      if (d.channelId !== channelId) return;
      p.events.off('share-answered', on);
      resolve({ accepted, code });
    };
    p.events.on('share-answered', on);
  });
}

beforeAll(async () => {
  pool = await startTestPool(poolAuthority, EASY_POOL);
  tp = await startTestProxy([{ port: pool.pool.port, authority: poolAuthority }]);
  proxy = tp.proxy;
});
afterAll(async () => {
  await tp?.close();
  await pool?.close();
});

describe('proxy: devices → proxy → pool over real sockets', () => {
  it('a standard device (REQUIRES_STANDARD_JOBS) mines through the proxy: its share is accepted at the proxy and stored at the pool', async () => {
    const c = await device(MiningSetupFlags.RequiresStandardJobs | MiningSetupFlags.RequiresVersionRolling);
    const ch = await c.openStandard('rig1', DEVICE_HASHRATE);
    const before = pool.pool.store.shareCount();
    const share = grind(ch, (x) => x.meetsTarget);
    const upstreamAnswer = answered(proxy, ch.channelId);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 7, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    expect((await c.next('SubmitSharesSuccess')).message).toMatchObject({ channelId: ch.channelId, lastSequenceNumber: 7, newSubmitsAcceptedCount: 1 });
    expect(await upstreamAnswer).toEqual({ accepted: true, code: undefined });
    expect(pool.pool.store.shareCount()).toBe(before + 1);
    expect(pool.pool.store.sharesByUser().find((u) => u.userIdentity === 'farm')?.shares).toBeGreaterThanOrEqual(1);
    const dev = proxy.devices.channelsOf(proxy.devices.connectionIds().at(-1)!)[0]!;
    expect(proxy.devices.upstreamStatsOf(dev)).toMatchObject({ forwarded: 1, acceptedUpstream: 1 });
    await c.close();
  });

  it('a share that misses the device target is answered by the proxy and never reaches the pool', async () => {
    const c = await device(MiningSetupFlags.RequiresStandardJobs);
    const ch = await c.openStandard('rig2', DEVICE_HASHRATE);
    const forwarded = proxy.upstream.counts.forwarded;
    const before = pool.pool.store.shareCount();
    const low = grind(ch, (x) => !x.meetsTarget);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: low.jobId, nonce: low.nonce, ntime: low.ntime, version: low.version });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 1, errorCode: 'difficulty-too-low' });
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 2, jobId: 999_999, nonce: 1, ntime: low.ntime, version: low.version });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 2, errorCode: 'invalid-job-id' });
    // A good share after them goes up and is answered: the bad ones were never sent.
    const good = grind(ch, (x) => x.meetsTarget);
    const upstreamAnswer = answered(proxy, ch.channelId);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 3, jobId: good.jobId, nonce: good.nonce, ntime: good.ntime, version: good.version });
    await c.next('SubmitSharesSuccess');
    expect((await upstreamAnswer).accepted).toBe(true);
    expect(proxy.upstream.counts.forwarded).toBe(forwarded + 1);
    expect(pool.pool.store.shareCount()).toBe(before + 1);
    await c.close();
  });

  it('two devices (extended in a group, standard alone) share one upstream channel with disjoint extranonces', async () => {
    const a = await device(0);
    const chA = await a.openExtended('rigA', DEVICE_HASHRATE, 4);
    const b = await device(MiningSetupFlags.RequiresStandardJobs);
    const chB = await b.openStandard('rigB', DEVICE_HASHRATE);
    // A: extended, in the connection's group 1; B: standard, with its own full extranonce.
    const connA = proxy.devices.connectionIds().at(-2)!;
    expect(proxy.devices.channelsOf(connA)[0]).toMatchObject({ channelId: chA.channelId, groupChannelId: 1 });
    expect(chA.extranoncePrefix.length + chA.extranonceSize).toBe(chB.extranoncePrefix.length);
    const prefixA = Buffer.from(chA.extranoncePrefix);
    expect(Buffer.from(chB.extranoncePrefix.subarray(0, prefixA.length)).equals(prefixA)).toBe(false);
    // One channel at the pool carries both.
    expect(pool.pool.manager.channelCount).toBe(1);
    const en = new Uint8Array(chA.extranonceSize).fill(3);
    const sa = grind(chA, (x) => x.meetsTarget, en);
    const sb = grind(chB, (x) => x.meetsTarget);
    const before = pool.pool.store.shareCount();
    const answerA = answered(proxy, chA.channelId);
    await a.send('SubmitSharesExtended', { channelId: chA.channelId, sequenceNumber: 1, jobId: sa.jobId, nonce: sa.nonce, ntime: sa.ntime, version: sa.version, extranonce: en });
    expect((await a.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
    expect((await answerA).accepted).toBe(true);
    const answerB = answered(proxy, chB.channelId);
    await b.send('SubmitSharesStandard', { channelId: chB.channelId, sequenceNumber: 1, jobId: sb.jobId, nonce: sb.nonce, ntime: sb.ntime, version: sb.version });
    expect((await b.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
    expect((await answerB).accepted).toBe(true);
    expect(pool.pool.store.shareCount()).toBe(before + 2);
    await Promise.all([a.close(), b.close()]);
  });

  it('a device naming a channel it never opened is cut off alone; another device mines on', async () => {
    const good = await device(MiningSetupFlags.RequiresStandardJobs);
    const ch = await good.openStandard('rig-good', DEVICE_HASHRATE);
    const bad = await device(MiningSetupFlags.RequiresStandardJobs);
    await bad.openStandard('rig-bad', DEVICE_HASHRATE);
    await bad.send('SubmitSharesStandard', { channelId: ch.channelId + 100, sequenceNumber: 1, jobId: 1, nonce: 1, ntime: 1, version: 0x20000000 });
    expect((await bad.conn.closed).by).toBe('peer');
    const s = grind(ch, (x) => x.meetsTarget);
    await good.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    expect((await good.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
    await good.close();
  });

  it('a device sending garbage after the handshake is cut off alone', async () => {
    const good = await device(MiningSetupFlags.RequiresStandardJobs);
    const ch = await good.openStandard('rig-calm', DEVICE_HASHRATE);
    const { socket } = await rawNoiseClient(proxy.port, tp.authority.publicKey);
    socket.write(Buffer.alloc(200, 0x5a));
    await closedSocket(socket);
    const s = grind(ch, (x) => x.meetsTarget);
    await good.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    expect((await good.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
    await good.close();
  });

  it('UpdateChannel retargets the device (with a fresh job that carries it); CloseChannel frees the channel', async () => {
    const c = await device(MiningSetupFlags.RequiresStandardJobs);
    const ch = await c.openStandard('rig-upd', DEVICE_HASHRATE);
    const connId = proxy.devices.connectionIds().at(-1)!;
    await c.send('UpdateChannel', { channelId: ch.channelId, nominalHashRate: DEVICE_HASHRATE * 100, maximumTarget: new Uint8Array(32).fill(0xff) });
    const st = await c.next('SetTarget');
    expect(st.message.channelId).toBe(ch.channelId);
    expect(Buffer.compare(Buffer.from(st.message.maximumTarget).reverse(), Buffer.from(ch.target).reverse())).toBeLessThan(0);
    expect((await c.next('NewMiningJob')).message).toMatchObject({ channelId: ch.channelId, minNtime: expect.any(Number) });
    expect(proxy.devices.channelsOf(connId)[0]!.nominalHashrate).toBe(DEVICE_HASHRATE * 100);
    await c.send('UpdateChannel', { channelId: ch.channelId, nominalHashRate: -1, maximumTarget: new Uint8Array(32).fill(0xff) });
    expect((await c.next('UpdateChannelError')).message).toMatchObject({ channelId: ch.channelId, errorCode: 'invalid-nominal-hashrate' });
    await c.send('CloseChannel', { channelId: ch.channelId, reasonCode: 'bye' });
    // A share that crossed the close is answered, not punished.
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 9, jobId: 1, nonce: 1, ntime: 1, version: 0x20000000 });
    expect((await c.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 9, errorCode: 'invalid-channel-id' });
    expect(proxy.devices.channelsOf(connId)).toHaveLength(0);
    await c.close();
  });

  it('refuses a device asking for work selection (the JD client serves that)', async () => {
    const c = await TestClient.connect(proxy.port, tp.authority.publicKey.toString());
    expect(await c.setup(MiningSetupFlags.RequiresWorkSelection)).toMatchObject({ name: 'SetupConnectionError', message: { errorCode: 'unsupported-feature-flags' } });
    await c.conn.closed;
  });
});
