/** The Job Declarator in front of a bitcoind JSON-RPC node (our embedded chain served over RPC): proposals and an incremental mempool mirror. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalizeTransaction } from '../../../../src/bitcoin/tx.js';
import { EmbeddedChain } from '../../../../src/chain/chain.js';
import { TxGenerator } from '../../../../src/chain/tx-generator.js';
import { RpcServer } from '../../../../src/net/bitcoind/rpc-server.js';
import { AuthorityKeyPair } from '../../../../src/noise/authority-key.js';
import { silentLogger } from '../../../../src/roles/common/logger.js';
import { loadPoolConfig } from '../../../../src/roles/pool/config.js';
import { templateFeedFor } from '../../../../src/roles/pool/feeds.js';
import { Pool } from '../../../../src/roles/pool/pool.js';
import { TestJdClient } from '../../../support/jd-client.js';
import { fastLinkEnv } from '../../../support/node-link.js';
import { testPoolEnv } from '../../../support/pool.js';
import { grind } from '../../../support/sv2-test-client.js';

const auth = { user: 'pool', password: 'secret' };
const authority = AuthorityKeyPair.generate();
const chain = new EmbeddedChain();
const gen = new TxGenerator(chain, { seed: 'jds-rpc' });
let rpc: RpcServer;
let pool: Pool;
let jdc: TestJdClient;

beforeAll(async () => {
  chain.generate(110, gen.script); // ten mature coinbases to spend
  expect(gen.generate(5)).toBe(5);
  rpc = new RpcServer({ chain, auth, longpollMempoolSeconds: 0 });
  const { url } = await rpc.listen();
  const config = loadPoolConfig(
    undefined,
    testPoolEnv(authority, {
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__URL: url,
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__USER: auth.user,
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__PASSWORD: auth.password,
      ...fastLinkEnv('POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC'),
      POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0',
      POOL__JDS__MEMPOOL_MIN_REFRESH_SECS: '0',
    }),
  );
  const { feed } = await templateFeedFor(config, silentLogger());
  pool = await Pool.start({ config, feed });
  jdc = await TestJdClient.connect({ jdsPort: pool.jd!.port, poolPort: pool.port, authority: authority.publicKey.toString() });
});
afterAll(async () => {
  await jdc?.close();
  await pool?.close();
  await rpc?.close();
  gen.close();
});

describe('Job Declarator over a bitcoind RPC node', () => {
  it('validates with getblocktemplate proposals, mirrors the mempool incrementally, and submits the custom job\'s block', async () => {
    const mirror = pool.jd!.server.node.mirror!;
    const first = await jdc.allocate();
    const job = jdc.build(chain.candidate(), first.required, first.token);
    expect(job.template.transactions.length).toBe(chain.mempool.size);
    expect((await jdc.declare(job)).name).toBe('DeclareMiningJobSuccess');
    // Each transaction came in once: from the node's template (its bytes are in getblocktemplate) or fetched.
    expect(mirror.seeded + mirror.fetched).toBe(chain.mempool.size);

    // Three more transactions: the next declaration brings in those three only.
    const before = mirror.seeded + mirror.fetched;
    expect(gen.generate(3)).toBe(3);
    const second = await jdc.allocate();
    const next = jdc.build(chain.candidate(), second.required, second.token);
    expect((await jdc.declare(next)).name).toBe('DeclareMiningJobSuccess');
    expect(mirror.seeded + mirror.fetched - before).toBe(3);
    expect(pool.jd!.server.counts.missingTxsAsked).toBe(0); // the mirror knew every one

    expect((await jdc.setCustomJob(next, second.token)).name).toBe('SetCustomMiningJobSuccess');
    const en = new Uint8Array(jdc.channel.extranonceSize ?? 0).fill(5);
    const s = grind(jdc.channel, (x) => x.isBlock, en);
    const height = chain.height;
    await jdc.mining.send('SubmitSharesExtended', { channelId: jdc.channel.channelId, sequenceNumber: 1, extranonce: en, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    await expect.poll(() => chain.height).toBe(height + 1);
    expect(chain.tip.txids).toHaveLength(next.template.transactions.length + 1);
    await expect.poll(() => pool.store.blocks().at(-1)?.status).toBe('accepted');
  });

  it('a transaction that spends nothing real: the node\'s proposal answer is the reason', async () => {
    const { token, required } = await jdc.allocate();
    const tx = finalizeTransaction({
      version: 2,
      inputs: [{ prevTxid: new Uint8Array(32).fill(0x24), prevVout: 1, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [new Uint8Array(72).fill(1), new Uint8Array(33).fill(2)] }],
      outputs: [{ value: 1000n, script: Uint8Array.of(0x51) }],
      locktime: 0,
    });
    const c = chain.candidate();
    const job = jdc.build({ ...c, candidates: [...c.candidates, { data: tx.raw, txid: tx.txid, wtxid: tx.wtxid, fee: 0n, weight: tx.weight, sigops: 1, depends: [] }] }, required, token);
    const answer = await jdc.declare(job);
    expect(answer).toMatchObject({ name: 'DeclareMiningJobError', message: { errorCode: 'invalid-job' } });
    if (answer.name === 'DeclareMiningJobError') expect(new TextDecoder().decode(answer.message.errorDetails)).toBe('bad-txns-inputs-missingorspent');
  });
});
