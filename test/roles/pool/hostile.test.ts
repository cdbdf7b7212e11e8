// A hostile peer costs only itself: each limit of the pool, against real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { MAX_CHANNELS_REACHED } from '../../../src/roles/pool/channel-manager.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;

beforeAll(async () => {
  pool = await startTestPool(authority, { POOL__MAX_REJECTED_SHARES_PER_MIN: '50', POOL__MAX_CHANNELS_PER_CONNECTION: '3' });
});
afterAll(async () => {
  await pool.close();
});

const client = async () => {
  const c = await TestClient.connect(pool.pool.port, authority.publicKey.toString());
  await c.setup(MiningSetupFlags.RequiresStandardJobs);
  return c;
};

describe('pool against hostile peers', () => {
  it('cuts a connection that floods rejected shares; an honest miner beside it keeps getting its acks', async () => {
    const honest = await client();
    const honestCh = await honest.openStandard('honest', 0.01); // easier than the regtest network target, so a share is not a block
    const flooder = await client();
    const ch = await flooder.openStandard('flood', 1e3);
    const closed = new Promise<{ reason: string }>((resolve) => flooder.conn.once('close', resolve));
    for (let seq = 1; seq <= 200 && flooder.conn.isOpen; seq++) {
      await flooder.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: seq, jobId: 9999, nonce: seq, ntime: 0, version: 0x20000000 }).catch(() => {});
    }
    expect((await closed).reason).toMatch(/peer|closed/);
    const s = grind(honestCh, (x) => x.meetsTarget && !x.isBlock);
    await honest.send('SubmitSharesStandard', { channelId: honestCh.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    expect((await honest.next('SubmitSharesSuccess')).message.lastSequenceNumber).toBe(1);
    await honest.close();
  });

  it('scales the reject budget with the channels a connection holds (a farm proxy at a block change)', async () => {
    const proxy = await client();
    const channels = [];
    for (let i = 0; i < 3; i++) channels.push(await proxy.openStandard(`dev${i}`, 1e3, i));
    // 120 rejects: over the budget of one channel (50), within that of three (150).
    let seq = 0;
    for (const ch of channels) {
      for (let k = 0; k < 40; k++) await proxy.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: ++seq, jobId: 9999, nonce: seq, ntime: 0, version: 0x20000000 });
    }
    for (let k = 0; k < 120; k++) await proxy.next('SubmitSharesError');
    expect(proxy.conn.isOpen).toBe(true);
    await proxy.close();
  });

  it('holds a connection to its channel limit with OpenMiningChannel.Error, and the connection carries on', async () => {
    const c = await client();
    for (let i = 0; i < 3; i++) await c.openStandard(`u${i}`, 1e3, i);
    await c.send('OpenStandardMiningChannel', { requestId: 7, userIdentity: 'u4', nominalHashRate: 1e3, maxTarget: new Uint8Array(32).fill(0xff) });
    expect((await c.next('OpenMiningChannelError')).message).toMatchObject({ requestId: 7, errorCode: MAX_CHANNELS_REACHED });
    expect(c.conn.isOpen).toBe(true);
    await c.close();
  });
});
