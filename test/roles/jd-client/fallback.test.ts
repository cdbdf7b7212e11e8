/**
 * Fallback on refusals, over real sockets with our pools and their JDSs: the JD client's own node
 * is a block ahead of the pools' chains, so each JDS refuses its declaration (stale-chain-tip). The JD client goes to the next upstream, and
 * with none left mines solo; the device stays connected and keeps mining throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startNode, type RunningNode } from '../../../src/roles/common/embedded-node.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const a1 = AuthorityKeyPair.generate();
const a2 = AuthorityKeyPair.generate();
const JDS = { POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0.001' };
let p1: TestPool;
let p2: TestPool;
let own: RunningNode;
let t: TestJdc;

beforeAll(async () => {
  [p1, p2, own] = await Promise.all([startTestPool(a1, JDS), startTestPool(a2, JDS), startNode({ txPerSecond: 0.001, bootstrapBlocks: 102 })]);
  expect(own.generator!.generate(4)).toBeGreaterThan(0);
  t = await startTestJdc(
    [
      { poolPort: p1.pool.port, jdsPort: p1.pool.jd!.port, authority: a1 },
      { poolPort: p2.pool.port, jdsPort: p2.pool.jd!.port, authority: a2 },
    ],
    {},
    own,
  );
});
afterAll(async () => {
  await t?.close();
  await Promise.all([p1?.close(), p2?.close(), own?.close()]);
});

describe('jd-client fallback on refusals', () => {
  it('JDS 1 refuses → upstream 2; JDS 2 refuses → solo; the device is never cut and its shares keep being accepted', async () => {
    const reasons: string[] = [];
    t.jdc.events.on('fallback', (r) => reasons.push(r));
    const c = await TestClient.connect(t.jdc.port, t.authority.publicKey.toString());
    expect((await c.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const twoRefusals = nextEvent(t.jdc, 'fallback', () => reasons.length === 2);
    const ch = await c.openStandard('rig', 50);
    await twoRefusals;
    expect(reasons).toEqual(['the JDS refused the job: stale-chain-tip', 'the JDS refused the job: stale-chain-tip']);
    // With both passed over, the devices mine solo.
    await expect.poll(() => t.jdc.upstreamInUse, { timeout: 5_000 }).toBeNull();
    expect(t.jdc.upstreams!.status().connected).toBe(false);
    // The device has the latest work (solo) and its shares are taken.
    for (;;) {
      const m = await c.next(undefined, 500).catch(() => null);
      if (m === null) break;
      if (m.name === 'NewMiningJob') ch.onNewMiningJob(m.message);
      if (m.name === 'SetNewPrevHash') ch.onSetNewPrevHash(m.message);
    }
    expect(ch.activeJob).toBeDefined();
    const share = grind(ch, (x) => x.meetsTarget);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 9, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    expect((await c.next('SubmitSharesSuccess')).message.lastSequenceNumber).toBe(9);
    expect(c.conn.isOpen).toBe(true);
    expect(t.jdc.downstreams.size).toBe(1);
    await c.close();
  });
});
