/** What the pool's Job Declarator and its SetCustomMiningJob refuse, each with the spec's error code; and what they take. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalizeTransaction } from '../../../../src/bitcoin/tx.js';
import { bytesToHex } from '../../../../src/codec/hex.js';
import type { TemplateCandidate } from '../../../../src/chain/template.js';
import { AuthorityKeyPair } from '../../../../src/noise/authority-key.js';
import type { RunningNode } from '../../../../src/roles/common/embedded-node.js';
import type { Pool } from '../../../../src/roles/pool/pool.js';
import { TestJdClient } from '../../../support/jd-client.js';
import { startTestPool, type TestPool } from '../../../support/pool.js';
import { grind } from '../../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
const jdEnv = { POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0.001' };
let a: TestPool;
let b: TestPool;
let pool: Pool;
let node: RunningNode;
let jdc: TestJdClient;

const connect = (p: Pool, jdFlags?: number, hashrate?: number): Promise<TestJdClient> =>
  TestJdClient.connect({ jdsPort: p.jd!.port, poolPort: p.port, authority: authority.publicKey.toString(), ...(jdFlags !== undefined && { jdFlags }), ...(hashrate !== undefined && { hashrate }) });

beforeAll(async () => {
  [a, b] = await Promise.all([startTestPool(authority, jdEnv), startTestPool(authority, { ...jdEnv, POOL__JDS__FULL_TEMPLATE_MODE_REQUIRED: 'false' })]);
  ({ pool, node } = a);
  jdc = await connect(pool);
  node.generator!.generate(8);
});
afterAll(async () => {
  await jdc?.close();
  await Promise.all([a?.close(), b?.close()]);
});

/** A transaction that spends an output no one ever made. */
function spendingNothing(): TemplateCandidate['candidates'][number] {
  const tx = finalizeTransaction({
    version: 2,
    inputs: [{ prevTxid: new Uint8Array(32).fill(0x42), prevVout: 0, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [new Uint8Array(72).fill(1), new Uint8Array(33).fill(2)] }],
    outputs: [{ value: 10_000n, script: Uint8Array.of(0x00, 0x14, ...new Array(20).fill(9)) }],
    locktime: 0,
  });
  return { data: tx.raw, txid: tx.txid, wtxid: tx.wtxid, fee: 0n, weight: tx.weight, sigops: 1, depends: [] };
}

describe('DeclareMiningJob', () => {
  it('a transaction the pool\'s node lacks is asked for with ProvideMissingTransactions, and the job is accepted', async () => {
    const candidate = node.chain.candidate();
    const lacking = candidate.candidates.at(-1)!;
    const removed = node.chain.mempool.removeWithDescendants(bytesToHex(lacking.txid));
    expect(removed.length).toBeGreaterThan(0);
    const { token, required } = await jdc.allocate();
    const job = jdc.build(candidate, required, token);
    let asked: number[] = [];
    const answer = await jdc.declare(job, (p) => (asked = p));
    expect(answer.name).toBe('DeclareMiningJobSuccess');
    expect(asked).toContain(job.template.transactions.findIndex((x) => bytesToHex(x.txid) === bytesToHex(lacking.txid)));
    expect(pool.jd!.server.counts.missingTxsAsked).toBeGreaterThanOrEqual(removed.length);
  });

  it('a custom job on a token whose declaration still waits for its transactions: job-not-yet-validated', async () => {
    const candidate = node.chain.candidate();
    node.chain.mempool.removeWithDescendants(bytesToHex(candidate.candidates.at(-1)!.txid));
    const { token, required } = await jdc.allocate();
    const job = jdc.build(candidate, required, token);
    await jdc.jds.send('DeclareMiningJob', job.declare);
    const ask = (await jdc.jds.next('ProvideMissingTransactions')).message;
    expect(await jdc.setCustomJob(job, token)).toMatchObject({ name: 'SetCustomMiningJobError', message: { errorCode: 'job-not-yet-validated' } });
    await jdc.jds.send('ProvideMissingTransactionsSuccess', { requestId: ask.requestId, transactionList: ask.unknownTxPositionList.map((i) => job.template.transactions[i]!.data) });
    expect((await jdc.jds.next()).name).toBe('DeclareMiningJobSuccess');
    expect((await jdc.setCustomJob(job, token)).name).toBe('SetCustomMiningJobSuccess');
  });

  it('a transaction that spends nothing real: invalid-job, with the node\'s reason', async () => {
    const { token, required } = await jdc.allocate();
    const c = node.chain.candidate();
    const job = jdc.build({ ...c, candidates: [...c.candidates, spendingNothing()] }, required, token);
    const answer = await jdc.declare(job);
    expect(answer).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-job' } });
    if (answer.name === 'DeclareMiningJobError') expect(new TextDecoder().decode(answer.message.errorDetails)).toBe('bad-txns-inputs-missingorspent');
  });

  it('the pool payout output missing or unfunded: invalid-coinbase-tx-outputs', async () => {
    const other = Uint8Array.of(0x00, 0x14, ...new Array(20).fill(5));
    for (const outputs of [(v: bigint) => [{ value: v, script: other }], (v: bigint) => [{ value: 0n, script: a.pool.manager.requiredCoinbaseOutputs(0n)[0]!.script }, { value: v, script: other }]]) {
      const { token, required } = await jdc.allocate();
      const answer = await jdc.declare(jdc.build(node.chain.candidate(), required, token, outputs));
      expect(answer).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-coinbase-tx-outputs' } });
    }
  });

  it('a token from another pool: invalid-mining-job-token, for a declaration and a custom job', async () => {
    const elsewhere = await connect(b.pool);
    const { token, required } = await elsewhere.allocate();
    const job = jdc.build(node.chain.candidate(), required, token);
    expect(await jdc.declare(job)).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-mining-job-token' } });
    expect(await jdc.setCustomJob(job, token)).toMatchObject({ name: 'SetCustomMiningJobError', message: { errorCode: 'invalid-mining-job-token' } });
    await elsewhere.close();
  });

  it('a stale prev hash: stale-chain-tip, for a declaration and a custom job; shares on the old tip\'s custom job are stale', async () => {
    const mined = await jdc.allocate();
    const running = jdc.build(node.chain.candidate(), mined.required, mined.token);
    expect((await jdc.declare(running)).name).toBe('DeclareMiningJobSuccess');
    expect((await jdc.setCustomJob(running, mined.token)).name).toBe('SetCustomMiningJobSuccess');
    const en = new Uint8Array(jdc.channel.extranonceSize ?? 0).fill(6);
    const late = grind(jdc.channel, (x) => x.isBlock, en);
    const first = await jdc.allocate();
    const declared = jdc.build(node.chain.candidate(), first.required, first.token);
    expect((await jdc.declare(declared)).name).toBe('DeclareMiningJobSuccess');
    const second = await jdc.allocate();
    const old = jdc.build(node.chain.candidate(), second.required, second.token);
    const tip = pool.manager.chainTip;
    node.chain.generate(1, new Uint8Array([0x51]));
    await expect.poll(() => pool.manager.chainTip !== tip).toBe(true);
    expect(await jdc.setCustomJob(declared, first.token)).toMatchObject({ name: 'SetCustomMiningJobError', message: { errorCode: 'stale-chain-tip' } });
    expect(await jdc.declare(old)).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'stale-chain-tip' } });
    await jdc.mining.send('SubmitSharesExtended', { channelId: jdc.channel.channelId, sequenceNumber: 40, extranonce: en, jobId: late.jobId, nonce: late.nonce, ntime: late.ntime, version: late.version });
    expect((await jdc.mining.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 40, errorCode: 'stale-share' });
  });

  it('a standard channel on a work-selection connection is refused', async () => {
    await jdc.mining.send('OpenStandardMiningChannel', { requestId: 77, userIdentity: 'x', nominalHashRate: 1, maxTarget: new Uint8Array(32).fill(0xff) });
    expect((await jdc.mining.next('OpenMiningChannelError')).message).toMatchObject({ requestId: 77, errorCode: 'standard-channels-not-supported-for-custom-work' });
  });
});

describe('custom jobs', () => {
  it('shares on a custom job are validated and counted like any other', async () => {
    const { token, required } = await jdc.allocate();
    const job = jdc.build(node.chain.candidate(), required, token);
    expect((await jdc.declare(job)).name).toBe('DeclareMiningJobSuccess');
    expect((await jdc.setCustomJob(job, token)).name).toBe('SetCustomMiningJobSuccess');
    const en = new Uint8Array(jdc.channel.extranonceSize ?? 0).fill(1);
    const before = pool.manager.totals().accepted;
    const low = grind(jdc.channel, (x) => !x.meetsTarget && !x.isBlock, en);
    const base = { channelId: jdc.channel.channelId, extranonce: en, jobId: low.jobId, ntime: low.ntime, version: low.version };
    await jdc.mining.send('SubmitSharesExtended', { ...base, sequenceNumber: 7, nonce: low.nonce });
    expect((await jdc.mining.next('SubmitSharesError')).message).toMatchObject({ sequenceNumber: 7, errorCode: 'difficulty-too-low' });
    expect(pool.manager.totals().accepted).toBe(before);
  });

  it('a block found by the JD client reaches the chain through PushSolution to the JDS', async () => {
    const { token, required } = await jdc.allocate();
    const job = jdc.build(node.chain.candidate(), required, token);
    expect((await jdc.declare(job)).name).toBe('DeclareMiningJobSuccess');
    expect((await jdc.setCustomJob(job, token)).name).toBe('SetCustomMiningJobSuccess');
    const en = new Uint8Array(jdc.channel.extranonceSize ?? 0).fill(9);
    const s = grind(jdc.channel, (x) => x.isBlock, en);
    const height = node.chain.height;
    await jdc.jds.send('PushSolution', { extranonce: new Uint8Array([...jdc.channel.extranoncePrefix, ...en]), prevHash: job.template.prevHash, nonce: s.nonce, ntime: s.ntime, nbits: job.template.bits, version: s.version });
    await expect.poll(() => node.chain.height).toBe(height + 1);
    await expect.poll(() => pool.store.blocks().at(-1)).toMatchObject({ templateId: 'declared', status: 'accepted' });
  });

  it('Coinbase-only mode (full_template_mode_required = false): an allocated token is enough, the outputs are still checked', async () => {
    const c = await connect(b.pool, 0, 0.01);
    const first = await c.allocate();
    const unfunded = c.build(b.node.chain.candidate(), first.required, first.token, (v) => [{ value: 0n, script: first.required[0]!.script }, { value: v, script: new Uint8Array([0x51]) }]);
    expect(await c.setCustomJob(unfunded, first.token)).toMatchObject({ name: 'SetCustomMiningJobError', message: { errorCode: 'invalid-coinbase-tx-outputs' } });
    const job = c.build(b.node.chain.candidate(), first.required, first.token);
    expect((await c.setCustomJob(job, first.token)).name).toBe('SetCustomMiningJobSuccess');
    // A share under the channel's target that is not a block: accepted and counted.
    const en = new Uint8Array(c.channel.extranonceSize ?? 0).fill(4);
    const before = b.pool.manager.totals().accepted;
    const s = grind(c.channel, (x) => x.meetsTarget && !x.isBlock, en);
    await c.mining.send('SubmitSharesExtended', { channelId: c.channel.channelId, sequenceNumber: 1, extranonce: en, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    expect((await c.mining.next('SubmitSharesSuccess')).message).toMatchObject({ lastSequenceNumber: 1, newSubmitsAcceptedCount: 1 });
    expect(b.pool.manager.totals().accepted).toBe(before + 1);
    await c.close();
  });

  it('a pool without [jds] refuses REQUIRES_WORK_SELECTION', async () => {
    const plain = await startTestPool(authority);
    const { TestClient } = await import('../../../support/sv2-test-client.js');
    const m = await TestClient.connect(plain.pool.port, authority.publicKey.toString());
    expect(await m.setup(0x2)).toMatchObject({ name: 'SetupConnectionError', message: { errorCode: 'unsupported-feature-flags' } });
    await m.close();
    await plain.close();
  });
});
