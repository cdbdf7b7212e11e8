/**
 * `aggregate_channels = false`: every device channel (standard and extended, mixed) gets an
 * upstream channel of its own under the device's name; the pool accounts each device's shares.
 * The first pool process is SIGKILLed: every device, still connected with the same channel id,
 * gets its channel reopened on the second upstream; the first returns and every device moves back.
 * UpdateChannel follows a device's hashrate, and a device's CloseChannel closes its upstream one.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ClientChannel } from '../../../src/channels/client-channel.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import type { Pool } from '../../../src/roles/pool/pool.js';
import { ShareStore } from '../../../src/roles/pool/share-store.js';
import { startTestPool, testPoolEnv } from '../../support/pool.js';
import { startTestProxy } from '../../support/proxy.js';
import { spawnRole } from '../../support/spawn-role.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const QUIET_EASY = { POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0', POOL__SHARES_PER_MINUTE: '6000' };
const DEVICES = 12;

interface Device {
  c: TestClient;
  ch: ClientChannel;
  extended: boolean;
  /** what the pool should see: the farm's account, the device as its worker */
  identity: string;
  seq: number;
  nonce: number;
}

const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const o of open.reverse()) await o.close();
});

async function submit(d: Device): Promise<void> {
  const en = d.extended ? new Uint8Array(d.ch.extranonceSize).fill(d.seq) : undefined;
  const s = grind(d.ch, (x) => x.meetsTarget, en, d.nonce);
  d.nonce = s.nonce + 1;
  const seq = ++d.seq;
  if (d.extended) await d.c.send('SubmitSharesExtended', { channelId: d.ch.channelId, sequenceNumber: seq, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version, extranonce: en! });
  else await d.c.send('SubmitSharesStandard', { channelId: d.ch.channelId, sequenceNumber: seq, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
  expect((await d.c.next('SubmitSharesSuccess')).message.lastSequenceNumber).toBe(seq);
}

/** The device's next job and prev hash, on the channel it already has. */
async function newWork(d: Device): Promise<void> {
  const job = d.extended ? await d.c.next('NewExtendedMiningJob') : await d.c.next('NewMiningJob');
  expect(job.message.channelId).toBe(d.ch.channelId);
  if (job.name === 'NewMiningJob') d.ch.onNewMiningJob(job.message);
  else d.ch.onNewExtendedMiningJob(job.message);
  d.ch.onSetNewPrevHash((await d.c.next('SetNewPrevHash')).message);
}

/** user_identity → channels open at the pool. */
function poolChannels(pool: Pool): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of pool.manager.connectionIds()) for (const ch of pool.manager.channelsOf(id)) out.set(ch.userIdentity, (out.get(ch.userIdentity) ?? 0) + 1);
  return out;
}

function sharesByUser(store: ShareStore): Map<string, number> {
  return new Map(store.sharesByUser().map((u) => [u.userIdentity, u.shares]));
}

const expectEach = (m: Map<string, number>, devices: Device[], n: number): void => {
  expect(m).toEqual(new Map(devices.map((d) => [d.identity, n])));
};

describe('proxy: aggregate_channels = false', () => {
  it('one upstream channel per device under its name; SIGKILL → all on the second upstream with the same channel ids, then back', async () => {
    const authA = AuthorityKeyPair.generate();
    const envA = testPoolEnv(authA, QUIET_EASY);
    const poolA = spawnRole(['pool'], envA);
    const portA = Number((await poolA.waitFor(/listening on [^:]+:(\d+)/))[1]);
    const authB = AuthorityKeyPair.generate();
    const poolB = await startTestPool(authB, QUIET_EASY);
    open.push(poolB);
    const tp = await startTestProxy(
      [
        { port: portA, authority: authA },
        { port: poolB.pool.port, authority: authB },
      ],
      { PROXY__AGGREGATE_CHANNELS: 'false', PROXY__RETURN_TO_PREFERRED_SECS: '0.2' },
    );
    open.push(tp);
    const proxy = tp.proxy;
    expect(proxy.aggregateChannels).toBe(false);

    const devices: Device[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const extended = i % 2 === 1;
      // one device already names the farm's account: it goes up as it is
      const name = i === 3 ? 'farm.rig3' : `rig${i}`;
      const c = await TestClient.connect(proxy.port, tp.authority.publicKey.toString());
      open.push(c);
      await c.setup(extended ? MiningSetupFlags.RequiresVersionRolling : MiningSetupFlags.RequiresStandardJobs);
      const ch = extended ? await c.openExtended(name, 50, 4) : await c.openStandard(name, 50);
      devices.push({ c, ch, extended, identity: `farm.rig${i}`, seq: 0, nonce: 0 });
    }
    const ids = devices.map((d) => d.ch.channelId);
    expect(proxy.upstream.channels).toHaveLength(DEVICES);
    expect(new Set(proxy.upstream.channels.map((c) => c.userIdentity))).toEqual(new Set(devices.map((d) => d.identity)));
    await Promise.all(devices.map(async (d) => (await submit(d), await submit(d))));
    // Every device's shares were answered on its own upstream channel.
    await vi.waitFor(() => {
      for (const id of proxy.devices.connectionIds()) {
        for (const ch of proxy.devices.channelsOf(id)) expect(proxy.devices.upstreamStatsOf(ch)).toMatchObject({ forwarded: 2, acceptedUpstream: 2 });
      }
    });
    expect(proxy.upstream.counts).toMatchObject({ forwarded: 2 * DEVICES, accepted: 2 * DEVICES });

    // The first pool dies without a word; every device's channel is reopened on the second.
    const killedAt = Date.now();
    poolA.child.kill('SIGKILL');
    await poolA.exited;
    await Promise.all(devices.map(newWork));
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(devices.every((d) => d.c.conn.isOpen)).toBe(true);
    expect(devices.map((d) => d.ch.channelId)).toEqual(ids);
    expect(proxy.upstream.label).toBe(`127.0.0.1:${poolB.pool.port}`);
    expectEach(poolChannels(poolB.pool), devices, 1);
    await Promise.all(devices.map((d) => submit(d)));
    await vi.waitFor(() => expectEach(sharesByUser(poolB.pool.store), devices, 1));
    // Pool A accounted each device's two shares, under each device's name, before it was killed.
    const storeA = new ShareStore(envA.POOL__ACCOUNTING_DB!);
    expectEach(sharesByUser(storeA), devices, 2);
    storeA.close();

    // The preferred pool returns on its address: every device channel moves back to it.
    const poolA2 = await startTestPool(authA, { ...QUIET_EASY, POOL__LISTEN_ADDRESS: `127.0.0.1:${portA}` });
    open.push(poolA2);
    await Promise.all(devices.map(newWork));
    expect(proxy.upstream.label).toBe(`127.0.0.1:${portA}`);
    expect(devices.map((d) => d.ch.channelId)).toEqual(ids);
    expectEach(poolChannels(poolA2.pool), devices, 1);
    await Promise.all(devices.map((d) => submit(d)));
    await vi.waitFor(() => expectEach(sharesByUser(poolA2.pool.store), devices, 1));
    expect(proxy.upstream.counts.switches).toBe(2);

    // UpdateChannel follows the device's hashrate up to its own upstream channel.
    const d0 = devices[0]!;
    await d0.c.send('UpdateChannel', { channelId: d0.ch.channelId, nominalHashRate: 5_000, maximumTarget: new Uint8Array(32).fill(0xff) });
    await vi.waitFor(() => {
      const ch = poolA2.pool.manager.connectionIds().flatMap((id) => poolA2.pool.manager.channelsOf(id)).find((c) => c.userIdentity === d0.identity);
      expect(ch?.nominalHashrate).toBe(5_000);
    }, { timeout: 5_000 }); // debounced to once a second per channel

    // A device's CloseChannel, and another's disconnect, close their upstream channels.
    await d0.c.send('CloseChannel', { channelId: d0.ch.channelId, reasonCode: 'done' });
    await devices[1]!.c.close();
    await vi.waitFor(() => expectEach(poolChannels(poolA2.pool), devices.slice(2), 1));
    expect(proxy.upstream.channels).toHaveLength(DEVICES - 2);
  }, 60_000);
});
