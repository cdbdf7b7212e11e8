/**
 * The JD client with our pool and its JDS over real sockets: its template is declared and taken as
 * a custom job, a device finds a block on it, and the chain takes the block with the transactions
 * the JD client chose. (Both use one embedded chain here: the JD client's own node is a second
 * view of it, so its tip is the pool's.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlock } from '../../../src/bitcoin/block.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;
let t: TestJdc;

beforeAll(async () => {
  pool = await startTestPool(authority, { POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0.001', POOL__SHARES_PER_MINUTE: '6000' });
  expect(pool.node.generator!.generate(5)).toBeGreaterThan(0);
  t = await startTestJdc([{ poolPort: pool.pool.port, jdsPort: pool.pool.jd!.port, authority }], {}, pool.node);
});
afterAll(async () => {
  await t?.close();
  await pool?.close();
});

describe('jd-client → pool with JDS', () => {
  it('declares its template, the pool takes the custom job, a device finds a block on it: in the chain with the JD client\'s transactions, and pushed to the JDS', async () => {
    const c = await TestClient.connect(t.jdc.port, t.authority.publicKey.toString());
    expect((await c.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const accepted = nextEvent(t.jdc, 'custom-job');
    // A tiny hashrate: the device's target (and the pool's for the JD client) is the easiest, so a share need not be a block.
    const ch = await c.openStandard('rig', 0.01);
    const [work, jobId] = await accepted;
    expect(jobId).toBeGreaterThan(0);
    expect(work.pool).not.toBeNull();
    expect(t.jdc.upstreamInUse).toBe(`127.0.0.1:${pool.pool.port}`);
    // The device got the pool work of the same template (a job after its first, solo one).
    let job = (await c.next('NewMiningJob')).message;
    ch.onNewMiningJob(job);
    while (ch.activeJob?.jobId !== job.jobId) ch.onNewMiningJob((job = (await c.next('NewMiningJob')).message));

    const chosen = (await t.jdc.templates.transactions(work.templateId)).wtxids.map(bytesToHex);
    expect(chosen.length).toBeGreaterThan(0);
    // A share that is not a block goes up on the custom job, and the pool takes it.
    const plain = grind(ch, (x) => x.meetsTarget && !x.isBlock);
    const answered = nextEvent(t.jdc, 'share-answered');
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 0, jobId: plain.jobId, nonce: plain.nonce, ntime: plain.ntime, version: plain.version });
    expect((await answered).slice(1)).toEqual([true, undefined]);

    const height = pool.node.chain.height;
    const share = grind(ch, (x) => x.isBlock && x.meetsTarget);
    const found = nextEvent(t.jdc, 'block');
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    const [block] = await found;
    expect(block).toMatchObject({ upstream: `127.0.0.1:${pool.pool.port}`, pushedToJds: true });
    await expect.poll(() => pool.node.chain.height).toBe(height + 1);
    const inChain = parseBlock(pool.node.chain.readBlock(pool.node.chain.tip));
    expect(inChain.transactions.slice(1).map((x) => bytesToHex(x.wtxid))).toEqual(chosen);
    await c.close();
  });
});
