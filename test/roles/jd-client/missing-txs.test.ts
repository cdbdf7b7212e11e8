/**
 * The JD client's own node has transactions the pool's node has never seen (two nodes on one
 * chain, their mempools apart): the JDS asks for them (ProvideMissingTransactions), takes the job,
 * and the block a device finds on it enters the pool's chain with those transactions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlock } from '../../../src/bitcoin/block.js';
import { hashToDisplay } from '../../../src/bitcoin/bytes.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startNode, type RunningNode } from '../../../src/roles/common/embedded-node.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;
let own: RunningNode;
let t: TestJdc;

beforeAll(async () => {
  pool = await startTestPool(authority, { POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0.001' });
  // The miner's node: the pool's chain block for block, and a mempool of its own.
  own = await startNode({ txPerSecond: 0.001, bootstrapBlocks: 0 });
  const theirs = pool.node.chain;
  for (let h = 1; h <= theirs.height; h++) expect(own.chain.submitBlock(theirs.readBlock(theirs.entryAt(h)!)).accepted).toBe(true);
  expect(own.generator!.generate(5)).toBeGreaterThan(0);
  t = await startTestJdc([{ poolPort: pool.pool.port, jdsPort: pool.pool.jd!.port, authority }], {}, own);
});
afterAll(async () => {
  await t?.close();
  await pool?.close();
  await own?.close();
});

describe('jd-client: transactions only its node has', () => {
  it('are asked for and given; the job is taken; the block enters the pool\'s chain with them', async () => {
    const asked = pool.pool.jd!.server.counts.missingTxsAsked;
    const c = await TestClient.connect(t.jdc.port, t.authority.publicKey.toString());
    await c.setup(MiningSetupFlags.RequiresStandardJobs);
    const accepted = nextEvent(t.jdc, 'custom-job');
    const ch = await c.openStandard('rig', 50);
    const [work] = await accepted;
    const chosen = (await t.jdc.templates.transactions(work.templateId)).wtxids.map(bytesToHex);
    expect(chosen.length).toBeGreaterThan(0);
    // None of them was in the pool's node: every one was asked for.
    expect(pool.pool.jd!.server.counts.missingTxsAsked - asked).toBe(chosen.length);

    let job = (await c.next('NewMiningJob')).message;
    ch.onNewMiningJob(job);
    while (ch.activeJob?.jobId !== job.jobId) ch.onNewMiningJob((job = (await c.next('NewMiningJob')).message));
    const height = pool.node.chain.height;
    const share = grind(ch, (x) => x.isBlock && x.meetsTarget);
    await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    const [block] = await nextEvent(t.jdc, 'block');
    expect(block.pushedToJds).toBe(true);
    await expect.poll(() => pool.node.chain.height).toBe(height + 1);
    const theirs = parseBlock(pool.node.chain.readBlock(pool.node.chain.tip));
    expect(hashToDisplay(theirs.hash)).toBe(block.hash);
    expect(theirs.transactions.slice(1).map((x) => bytesToHex(x.wtxid))).toEqual(chosen);
    await c.close();
  });
});
