import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToDisplay } from '../../../src/bitcoin/index.js';
import { EmbeddedChain } from '../../../src/chain/chain.js';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { poolGlobal } from '../../../src/monitor/pool-views.js';
import { RpcServer } from '../../../src/net/bitcoind/rpc-server.js';
import type { RpcTemplateSource } from '../../../src/net/bitcoind/rpc-template-source.js';
import type { SourceTemplateFeed } from '../../../src/roles/common/template-feed.js';
import { loadPoolConfig } from '../../../src/roles/pool/config.js';
import { templateFeedFor } from '../../../src/roles/pool/feeds.js';
import { Pool } from '../../../src/roles/pool/pool.js';
import { ShareStore } from '../../../src/roles/pool/share-store.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { fastLinkEnv, nextConnection, nextSubmitEvent } from '../../support/node-link.js';
import { testPoolEnv } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';
import { capturingLogger } from '../../support/template-provider.js';

const auth = { user: 'pool', password: 'secret' };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('pool on a bitcoind JSON-RPC node that goes away while miners find blocks', () => {
  it('keeps every block found in the outage; each ends in the chain or with the node\'s reason; health degraded meanwhile', async () => {
    const node = new EmbeddedChain();
    const rpc = new RpcServer({ chain: node, auth, longpollMempoolSeconds: 0 });
    const { url, port } = await rpc.listen();
    const authority = AuthorityKeyPair.generate();
    const config = loadPoolConfig(
      undefined,
      testPoolEnv(authority, {
        POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__URL: url,
        POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__USER: auth.user,
        POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__PASSWORD: auth.password,
        ...fastLinkEnv('POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC'),
      }),
    );
    const { logger, lines } = capturingLogger();
    const { feed } = await templateFeedFor(config, logger);
    const source = (feed as SourceTemplateFeed).source as RpcTemplateSource;
    const pool = await Pool.start({ config, feed, logger });
    cleanups.push(() => pool.close());
    const miner = await TestClient.connect(pool.port, authority.publicKey.toString());
    cleanups.push(() => miner.close());
    expect((await miner.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const ch = await miner.openStandard('alice.rig1', 1e3);
    expect(pool.health()).toMatchObject({ status: 'ok', template_source_connected: true });

    const down = nextConnection(source, false);
    await rpc.close();
    await down;
    expect(pool.health()).toMatchObject({ status: 'degraded', template_source_connected: false });

    // Two blocks on the same parent while the node is away: both are kept.
    const first = grind(ch, (x) => x.isBlock);
    const second = grind(ch, (x) => x.isBlock, undefined, first.nonce + 1);
    for (const [i, s] of [first, second].entries()) {
      const kept = nextSubmitEvent(source, 'queued');
      await miner.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: i + 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
      await kept;
    }
    expect(source.queuedBlocks).toBe(2);
    // On disk beside the accounting database until the node has answered.
    const journal = path.join(path.dirname(config.accounting_db), 'found-blocks');
    expect(readdirSync(journal)).toHaveLength(2);
    expect(pool.health()).toMatchObject({ status: 'degraded', blocks_waiting: 2 });
    expect(poolGlobal(pool)).toMatchObject({ blocks_found: 2, blocks_accepted: 0, blocks_rejected: 0, blocks_pending: 2 });

    const resubmitted: string[] = [];
    const bothBack = new Promise<void>((resolve) =>
      source.onSubmitEvent((e) => {
        if (e.kind === 'resubmitted' && resubmitted.push(e.hash) === 2) resolve();
      }),
    );
    const again = new RpcServer({ chain: node, auth, port, longpollMempoolSeconds: 0 });
    await again.listen();
    cleanups.push(() => again.close());
    await bothBack;
    // The first found is the node's new tip; the second, on the same parent, has the node's reason.
    expect(node.height).toBe(1);
    expect(hashToDisplay(node.tip.hash)).toBe(resubmitted[0]);
    await expect.poll(() => pool.blocks().pending).toBe(0);
    expect(poolGlobal(pool)).toMatchObject({ blocks_found: 2, blocks_accepted: 1, blocks_rejected: 1, blocks_pending: 0 });
    expect(pool.health()).toMatchObject({ status: 'ok', blocks_waiting: 0 });
    expect(readdirSync(journal)).toEqual([]);
    const msgs = lines().map((l) => l.msg as string);
    expect(msgs.filter((m) => m.startsWith('node down'))).toHaveLength(1);
    expect(msgs.filter((m) => m.startsWith('node up'))).toHaveLength(2); // the first answer, and the return
    expect(lines().find((l) => l.msg === 'block rejected by the node')).toMatchObject({ blockHash: resubmitted[1], reason: 'inconclusive-not-best-prevblk' });
  });

  it('a pool stopped while a found block waits for the node keeps it on disk; the next start submits it and records the verdict', async () => {
    const node = new EmbeddedChain();
    const rpc = new RpcServer({ chain: node, auth, longpollMempoolSeconds: 0 });
    const { url, port } = await rpc.listen();
    const authority = AuthorityKeyPair.generate();
    const env = testPoolEnv(authority, {
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__URL: url,
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__USER: auth.user,
      POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__PASSWORD: auth.password,
      ...fastLinkEnv('POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC'),
    });
    const config = loadPoolConfig(undefined, env);
    const { feed } = await templateFeedFor(config, capturingLogger().logger);
    const source = (feed as SourceTemplateFeed).source as RpcTemplateSource;
    const pool = await Pool.start({ config, feed });
    const miner = await TestClient.connect(pool.port, authority.publicKey.toString());
    expect((await miner.setup(MiningSetupFlags.RequiresStandardJobs)).name).toBe('SetupConnectionSuccess');
    const ch = await miner.openStandard('alice.rig1', 1e3);
    const down = nextConnection(source, false);
    await rpc.close();
    await down;
    const kept = nextSubmitEvent(source, 'queued');
    const s = grind(ch, (x) => x.isBlock);
    await miner.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    const hash = (await kept).hash;
    await miner.close();
    await pool.close(); // must not wait for the node
    const journal = path.join(path.dirname(config.accounting_db), 'found-blocks');
    expect(readdirSync(journal)).toEqual([`${hash}.block`]);
    expect(blockRecord(config.accounting_db, hash)).toMatchObject({ status: 'submitted', rejectReason: 'node-unreachable' });

    const again = new RpcServer({ chain: node, auth, port, longpollMempoolSeconds: 0 });
    await again.listen();
    cleanups.push(() => again.close());
    const next = await templateFeedFor(config, capturingLogger().logger);
    const nextSource = (next.feed as SourceTemplateFeed).source as RpcTemplateSource;
    const resubmitted = nextSubmitEvent(nextSource, 'resubmitted');
    const pool2 = await Pool.start({ config, feed: next.feed });
    cleanups.push(() => pool2.close());
    expect(await resubmitted).toMatchObject({ hash, restored: true, outcome: { accepted: true } });
    expect(hashToDisplay(node.tip.hash)).toBe(hash);
    expect(readdirSync(journal)).toEqual([]);
    await pool2.close();
    expect(blockRecord(config.accounting_db, hash)).toMatchObject({ status: 'accepted', rejectReason: null });
  });
});

/** The pool's record of a block, read from its accounting database. */
function blockRecord(db: string, hash: string) {
  const store = new ShareStore(db);
  try {
    return store.blocks().find((b) => b.blockHash === hash);
  } finally {
    store.close();
  }
}

describe('pool started while its bitcoind is down', () => {
  it('listens, says degraded, and serves miners once the node answers', async () => {
    // A port nothing listens on yet, where the node will come up.
    const probe = new RpcServer({ chain: new EmbeddedChain(), auth });
    const { port } = await probe.listen();
    await probe.close();
    const authority = AuthorityKeyPair.generate();
    const config = loadPoolConfig(
      undefined,
      testPoolEnv(authority, {
        POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__URL: `http://127.0.0.1:${port}/`,
        POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__USER: auth.user,
        POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC__PASSWORD: auth.password,
        ...fastLinkEnv('POOL__TEMPLATE_PROVIDER_TYPE__BITCOINCORERPC'),
      }),
    );
    const { logger, lines } = capturingLogger();
    const { feed } = await templateFeedFor(config, logger);
    const source = (feed as SourceTemplateFeed).source as RpcTemplateSource;
    const pool = await Pool.start({ config, feed, logger });
    cleanups.push(() => pool.close());
    expect(pool.health()).toMatchObject({ status: 'degraded', template_source_connected: false });
    expect(lines().some((l) => l.level === 40 && String(l.msg).startsWith('node down'))).toBe(true);

    // A miner that comes meanwhile gets its first job when the node answers.
    const miner = await TestClient.connect(pool.port, authority.publicKey.toString());
    cleanups.push(() => miner.close());
    await miner.setup(MiningSetupFlags.RequiresStandardJobs);
    const opening = miner.openStandard('early.rig', 1e3);
    const chain = new EmbeddedChain();
    const up = nextConnection(source, true);
    const rpc = new RpcServer({ chain, auth, port, longpollMempoolSeconds: 0 });
    await rpc.listen();
    cleanups.push(() => rpc.close());
    await up;
    const ch = await opening;
    expect(hashToDisplay(ch.tip!.prevHash)).toBe(hashToDisplay(chain.tip.hash));
    expect(pool.health()).toMatchObject({ status: 'ok' });
  });
});
