import { afterAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startTestPool } from '../../support/pool.js';
import { startTestProxy } from '../../support/proxy.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const o of open.reverse()) await o.close();
});

describe('proxy → proxy → pool', () => {
  it('nests extranonces: a device on the lower proxy gets a part of the upper proxy part of the pool channel, and its share is stored at the pool', async () => {
    const authority = AuthorityKeyPair.generate();
    const pool = await startTestPool(authority, {
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
      POOL__SHARES_PER_MINUTE: '6000',
    });
    open.push(pool);
    // The upper proxy sets the easiest targets, so whatever the lower one forwards goes on up.
    const upper = await startTestProxy([{ port: pool.pool.port, authority }], { PROXY__DOWNSTREAM_SHARES_PER_MINUTE: '6000' });
    open.push(upper);
    const lower = await startTestProxy([{ port: upper.proxy.port, authority: upper.authority }], { PROXY__DOWNSTREAM_EXTRANONCE_SIZE: '6' });
    open.push(lower);
    const c = await TestClient.connect(lower.proxy.port, lower.authority.publicKey.toString());
    await c.setup(0);
    const ch = await c.openExtended('deep-rig', 50, 2);
    expect(ch.extranoncePrefix.length + ch.extranonceSize).toBe(6);
    const en = new Uint8Array(ch.extranonceSize).fill(9);
    const s = grind(ch, (x) => x.meetsTarget, en);
    const atUpper = new Promise<boolean>((resolve) => upper.proxy.events.once('share-answered', (_d, ok) => resolve(ok)));
    const atLower = new Promise<boolean>((resolve) => lower.proxy.events.once('share-answered', (_d, ok) => resolve(ok)));
    await c.send('SubmitSharesExtended', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version, extranonce: en });
    expect((await c.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
    expect(await atLower).toBe(true);
    expect(await atUpper).toBe(true);
    expect(pool.pool.store.shareCount()).toBe(1);
    expect(pool.pool.manager.channelCount).toBe(1);
    await c.close();
  });
});
