/**
 * A farm through one proxy: 50 devices (standard header-only ones next to grouped extended ones)
 * on one upstream channel, every share accounted at the pool and at each device; then the pool
 * process is SIGKILLed and every device, still connected, mines on the second upstream.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientChannel } from '../../../src/channels/client-channel.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { ShareStore } from '../../../src/roles/pool/share-store.js';
import { startTestPool, testPoolEnv } from '../../support/pool.js';
import { startTestProxy } from '../../support/proxy.js';
import { spawnRole } from '../../support/spawn-role.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const QUIET_EASY = { POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0', POOL__SHARES_PER_MINUTE: '6000' };
const DEVICES = 50;

interface Device {
  c: TestClient;
  ch: ClientChannel;
  extended: boolean;
  seq: number;
  /** where the next grind starts, so no share repeats */
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
  const ok = await d.c.next('SubmitSharesSuccess');
  expect(ok.message.lastSequenceNumber).toBe(seq);
}

describe('proxy: a farm of 50 devices', () => {
  it('all on one upstream channel; the pool SIGKILLed → every device mines on the second upstream within 5 s', async () => {
    const authA = AuthorityKeyPair.generate();
    const envA = testPoolEnv(authA, QUIET_EASY);
    const poolA = spawnRole(['pool'], envA);
    const portA = Number((await poolA.waitFor(/listening on [^:]+:(\d+)/))[1]);
    const authB = AuthorityKeyPair.generate();
    const poolB = await startTestPool(authB, QUIET_EASY);
    open.push(poolB);
    const tp = await startTestProxy([
      { port: portA, authority: authA },
      { port: poolB.pool.port, authority: authB },
    ]);
    open.push(tp);
    const proxy = tp.proxy;
    let answeredA = 0;
    proxy.events.on('share-answered', (_d, ok) => ok && answeredA++);

    const devices: Device[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const extended = i % 2 === 1;
      const c = await TestClient.connect(proxy.port, tp.authority.publicKey.toString());
      open.push(c);
      await c.setup(extended ? MiningSetupFlags.RequiresVersionRolling : MiningSetupFlags.RequiresStandardJobs);
      const ch = extended ? await c.openExtended(`rig${i}`, 50, 4) : await c.openStandard(`rig${i}`, 50);
      devices.push({ c, ch, extended, seq: 0, nonce: 0 });
    }
    const prefixes = new Set(devices.map((d) => Buffer.from(d.ch.extranoncePrefix.subarray(0, 2)).toString('hex')));
    expect(prefixes.size).toBe(DEVICES);
    await Promise.all(devices.map(async (d) => (await submit(d), await submit(d))));
    const allAnswered = new Promise<void>((resolve) => {
      if (answeredA >= 2 * DEVICES) resolve();
      proxy.events.on('share-answered', () => answeredA >= 2 * DEVICES && resolve());
    });
    await allAnswered;
    for (const id of proxy.devices.connectionIds()) {
      for (const ch of proxy.devices.channelsOf(id)) expect(proxy.devices.upstreamStatsOf(ch)).toMatchObject({ forwarded: 2, acceptedUpstream: 2 });
    }

    // The pool process dies without a word; devices stay and get the second upstream's work.
    const killedAt = Date.now();
    poolA.child.kill('SIGKILL');
    await poolA.exited;
    await Promise.all(
      devices.map(async (d) => {
        const job = d.extended ? await d.c.next('NewExtendedMiningJob') : await d.c.next('NewMiningJob');
        if (job.name === 'NewMiningJob') d.ch.onNewMiningJob(job.message);
        else d.ch.onNewExtendedMiningJob(job.message);
        d.ch.onSetNewPrevHash((await d.c.next('SetNewPrevHash')).message);
      }),
    );
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const gap = proxy.switchGaps.at(-1)!;
    expect(gap.firstJobAt - gap.lostAt!).toBeLessThan(5_000);
    expect(devices.every((d) => d.c.conn.isOpen)).toBe(true);
    expect(proxy.upstream.label).toBe(`127.0.0.1:${poolB.pool.port}`);
    await Promise.all(devices.map((d) => submit(d)));
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (poolB.pool.store.shareCount() >= DEVICES) resolve();
      };
      check();
      proxy.events.on('share-answered', check);
    });
    expect(poolB.pool.store.shareCount()).toBe(DEVICES);
    // Every share pool A acknowledged is in its database, though it was killed.
    const store = new ShareStore(envA.POOL__ACCOUNTING_DB!);
    expect(store.shareCount()).toBe(2 * DEVICES);
    store.close();
  }, 60_000);
});
