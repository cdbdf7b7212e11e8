/** The pool's Job Declarator and custom jobs, over real sockets with our real pool and a test JD client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../../src/codec/hex.js';
import { parseBlock } from '../../../../src/bitcoin/block.js';
import { JobDeclarationSetupFlags } from '../../../../src/messages/job-declaration.js';
import { poolGlobal } from '../../../../src/monitor/pool-views.js';
import { AuthorityKeyPair } from '../../../../src/noise/authority-key.js';
import type { RunningNode } from '../../../../src/roles/common/embedded-node.js';
import type { Pool } from '../../../../src/roles/pool/pool.js';
import { TestJdClient, setupJd } from '../../../support/jd-client.js';
import { startTestPool, type TestPool } from '../../../support/pool.js';
import { TestClient, grind } from '../../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
let t: TestPool;
let pool: Pool;
let node: RunningNode;
let jdc: TestJdClient;

const jdEnv = { POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0.001' };

beforeAll(async () => {
  t = await startTestPool(authority, jdEnv);
  ({ pool, node } = t);
  jdc = await TestJdClient.connect({ jdsPort: pool.jd!.port, poolPort: pool.port, authority: authority.publicKey.toString() });
});
afterAll(async () => {
  await jdc?.close();
  await t?.close();
});

describe('Job Declarator in the pool', () => {
  it('a declared job is accepted, mined as a custom job, and its block enters the chain with the declared transactions', async () => {
    expect(node.generator!.generate(6)).toBeGreaterThan(0);
    const { token, required } = await jdc.allocate('alice');
    expect(required).toHaveLength(1);
    expect(required[0]!.value).toBe(0n);
    const job = jdc.build(node.chain.candidate(), required, token);
    expect(job.template.transactions.length).toBeGreaterThan(0);
    const answer = await jdc.declare(job);
    expect(answer.name).toBe('DeclareMiningJobSuccess');
    const set = await jdc.setCustomJob(job, token);
    expect(set.name).toBe('SetCustomMiningJobSuccess');

    const en = new Uint8Array(jdc.channel.extranonceSize ?? 0).fill(3);
    const share = grind(jdc.channel, (x) => x.isBlock, en);
    const height = node.chain.height;
    await jdc.mining.send('SubmitSharesExtended', { channelId: jdc.channel.channelId, sequenceNumber: 1, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version, extranonce: en });
    expect((await jdc.mining.next('SubmitSharesSuccess')).message).toMatchObject({ lastSequenceNumber: 1, newSubmitsAcceptedCount: 1 });
    await expect.poll(() => node.chain.height).toBe(height + 1);
    const block = parseBlock(node.chain.readBlock(node.chain.tip));
    expect(block.transactions.slice(1).map((x) => bytesToHex(x.wtxid))).toEqual(job.template.transactions.map((x) => bytesToHex(x.wtxid)));
    await expect.poll(() => pool.store.blocks().at(-1)?.status).toBe('accepted');
    expect(pool.store.blocks().at(-1)).toMatchObject({ userIdentity: 'jdc', templateId: 'custom' });
    expect(poolGlobal(pool).jds).toMatchObject({ connections: 1, tokens_allocated: 1, jobs_declared: 1, jobs_refused: 0 });
  });

  it('a reused token is refused with invalid-mining-job-token, for a declaration and for a custom job', async () => {
    const { token, required } = await jdc.allocate();
    const job = jdc.build(node.chain.candidate(), required, token);
    expect((await jdc.declare(job)).name).toBe('DeclareMiningJobSuccess');
    const again = jdc.build(node.chain.candidate(), required, token);
    const refused = await jdc.declare(again);
    expect(refused).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-mining-job-token' } });
    expect((await jdc.setCustomJob(job, token)).name).toBe('SetCustomMiningJobSuccess');
    expect(await jdc.setCustomJob(job, token)).toMatchObject({ name: 'SetCustomMiningJobError', message: { errorCode: 'invalid-mining-job-token' } });
  });

  it('refuses the setup without DECLARE_TX_DATA (Full-Template required)', async () => {
    const c = await TestClient.connect(pool.jd!.port, authority.publicKey.toString());
    expect(await setupJd(c, 0)).toMatchObject({ name: 'SetupConnectionError', message: { errorCode: 'missing-declare-tx-data-flag' } });
    await c.close();
    const ok = await TestClient.connect(pool.jd!.port, authority.publicKey.toString());
    expect((await setupJd(ok, JobDeclarationSetupFlags.DeclareTxData)).name).toBe('SetupConnectionSuccess');
    await ok.close();
  });
});
