import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToDisplay } from '../../../src/bitcoin/index.js';
import { bytesToHex } from '../../../src/codec/hex.js';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { RpcServer } from '../../../src/net/bitcoind/rpc-server.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { silentLogger } from '../../../src/roles/common/logger.js';
import { TdpTemplateFeed } from '../../../src/roles/common/tdp-client.js';
import { loadPoolConfig } from '../../../src/roles/pool/config.js';
import { templateFeedFor } from '../../../src/roles/pool/feeds.js';
import { Pool } from '../../../src/roles/pool/pool.js';
import { startBackend } from '../../../src/roles/template-provider/backend.js';
import { TemplateProvider } from '../../../src/roles/template-provider/template-provider.js';
import { testPoolEnv } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';
import { poolGlobal } from '../../../src/monitor/pool-views.js';
import { tpClients, tpGlobal, tpHealth } from '../../../src/monitor/tp-views.js';
import { authority, capturingLogger, fundedChain, nextBlock, solve, startTp, tdpClient, tpConfig } from '../../support/template-provider.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the pool mines through the template provider', () => {
  it('templates reach the miner through the pool, and the block the miner finds lands in the chain', async () => {
    const { chain, gen } = fundedChain(30);
    gen.generate(10);
    const tp = await startTp(chain);
    cleanups.push(() => tp.close());
    const dir = mkdtempSync(path.join(tmpdir(), 'sv2-tp-pool-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const poolAuthority = AuthorityKeyPair.generate();
    const cfg = loadPoolConfig(
      undefined,
      testPoolEnv(poolAuthority, {
        POOL__ACCOUNTING_DB: path.join(dir, 'pool.sqlite'),
        POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__ADDRESS: `127.0.0.1:${tp.port}`,
        POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__PUBLIC_KEY: authority.publicKey.toString(),
      }),
    );
    const { feed } = await templateFeedFor(cfg, silentLogger());
    expect(feed).toBeInstanceOf(TdpTemplateFeed);
    const pool = await Pool.start({ config: cfg, feed });
    cleanups.push(() => pool.close());

    const miner = await TestClient.connect(pool.port, poolAuthority.publicKey.toString());
    cleanups.push(() => miner.close());
    expect((await miner.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const ch = await miner.openStandard('alice.rig1', 1e3);
    expect(bytesToHex(ch.tip!.prevHash)).toBe(bytesToHex(chain.tip.hash));
    expect(tpClients(tp, {}).items).toMatchObject([{ vendor: 'stratum-v2-ts', templates_sent: 1 }]);

    // The pool's TDP client asks for a template's transactions (what a JD client does), twice at once.
    const templateId = BigInt(tpClients(tp, {}).items[0]!.last_template_id!);
    const answers = await Promise.all([0, 1].map(() => (feed as TdpTemplateFeed).requestTransactionData(templateId)));
    for (const a of answers) expect(a).toMatchObject({ templateId, transactionList: expect.any(Array) });
    expect(answers.map((a) => ('transactionList' in a ? a.transactionList.length : -1))).toEqual([chain.mempool.size, chain.mempool.size]);

    const height = chain.height;
    const txs = chain.mempool.size;
    const block = nextBlock(tp);
    const share = grind(ch, (x) => x.isBlock);
    await miner.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: share.jobId, nonce: share.nonce, ntime: share.ntime, version: share.version });
    const report = await block;
    expect(report).toMatchObject({ accepted: true, height: height + 1 });
    expect(chain.height).toBe(height + 1);
    expect(chain.tip.txids).toHaveLength(1 + txs); // the template's transactions, in the block
    expect(report.hash).toBe(hashToDisplay(chain.tip.hash));
    // The TP's new tip travels through the pool to the miner.
    const prev = await miner.next('SetNewPrevHash');
    expect(bytesToHex(prev.message.prevHash)).toBe(bytesToHex(chain.tip.hash));
    // TDP gives the pool no verdict: the block counts as accepted once the TP's new tip builds on it.
    expect(poolGlobal(pool)).toMatchObject({ blocks_found: 1, blocks_accepted: 1, blocks_rejected: 0, blocks_pending: 0 });
  });
});

describe('a pool started before its template provider', () => {
  it('says so, keeps trying, and serves miners once the provider answers', async () => {
    const { chain, gen } = fundedChain(30);
    gen.generate(5);
    // A port nothing listens on yet, where the provider will come up.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const { logger, lines } = capturingLogger();
    const poolAuthority = AuthorityKeyPair.generate();
    const cfg = loadPoolConfig(
      undefined,
      testPoolEnv(poolAuthority, { POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__ADDRESS: `127.0.0.1:${port}`, POOL__TEMPLATE_PROVIDER_TYPE__SV2TP__PUBLIC_KEY: authority.publicKey.toString() }),
    );
    const { feed } = await templateFeedFor(cfg, logger);
    const pool = await Pool.start({ config: cfg, feed, logger });
    cleanups.push(() => pool.close());
    expect(lines()).toContainEqual(expect.objectContaining({ level: 40, msg: 'Template Provider not reachable yet; retrying until it answers', address: `127.0.0.1:${port}` }));

    // A miner that comes during the outage is served, and gets its first job when the provider answers.
    const miner = await TestClient.connect(pool.port, poolAuthority.publicKey.toString());
    cleanups.push(() => miner.close());
    await miner.setup(MiningSetupFlags.RequiresStandardJobs);
    const opening = miner.openStandard('early.bird', 1e3);
    const tp = await startTp(chain, { TP__LISTEN_ADDRESS: `127.0.0.1:${port}` });
    cleanups.push(() => tp.close());
    const ch = await opening;
    expect(bytesToHex(ch.tip!.prevHash)).toBe(bytesToHex(chain.tip.hash));
    expect(lines()).toContainEqual(expect.objectContaining({ level: 30, msg: 'connected to the Template Provider' }));
  });
});

describe('template provider in front of a bitcoind JSON-RPC node', () => {
  it('serves templates from getblocktemplate and submits solutions with submitblock', async () => {
    // The embedded chain's bitcoind-compatible RPC server plays Bitcoin Core.
    const node = new EmbeddedChain();
    const auth = { user: 'tp', password: 'secret' };
    const rpc = new RpcServer({ chain: node, auth, longpollMempoolSeconds: 0 });
    const { url } = await rpc.listen();
    cleanups.push(() => rpc.close());
    const config = tpConfig({
      TP__BACKEND__BITCOINCORERPC__URL: url,
      TP__BACKEND__BITCOINCORERPC__USER: auth.user,
      TP__BACKEND__BITCOINCORERPC__PASSWORD: auth.password,
    });
    expect(config.backend).toMatchObject({ BitcoinCoreRpc: { url, long_poll: true } });
    const backend = await startBackend(config, silentLogger());
    const tp = await TemplateProvider.start({ config, backend });
    cleanups.push(() => tp.close());

    const c = await tdpClient(tp.port);
    cleanups.push(() => c.client.close());
    expect(bytesToHex(c.prevHash.prevHash)).toBe(bytesToHex(node.tip.hash));
    expect(tpHealth(tp)).toEqual({ status: 'ok' });
    const report = nextBlock(tp);
    await c.client.send('SubmitSolution', solve(c.template, c.prevHash));
    expect(await report).toMatchObject({ accepted: true, height: 1 });
    expect(node.height).toBe(1);
    // The long poll returns with the new tip: a future template and its prev hash.
    expect((await c.client.next('NewTemplate')).message.futureTemplate).toBe(true);
    expect(bytesToHex((await c.client.next('SetNewPrevHashTdp')).message.prevHash)).toBe(bytesToHex(node.tip.hash));
    expect(tpGlobal(tp)).toMatchObject({ backend: 'bitcoind-rpc', backend_connected: true, blocks_accepted: 1, tip: { height: 1 } });
  });

  it('listens while the node is down, and says so on its health route', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const config = tpConfig({ TP__BACKEND__BITCOINCORERPC__URL: `http://127.0.0.1:${port}`, TP__BACKEND__BITCOINCORERPC__COOKIE_FILE: '/nonexistent/.cookie' });
    const tp = await TemplateProvider.start({ config, backend: await startBackend(config, silentLogger()) });
    cleanups.push(() => tp.close());
    expect(tp.port).toBeGreaterThan(0);
    expect(tpHealth(tp)).toEqual({ status: 'waiting-for-node' });
    expect(tpGlobal(tp)).toMatchObject({ backend: 'bitcoind-rpc', backend_connected: false, tip: null });
  });
});
