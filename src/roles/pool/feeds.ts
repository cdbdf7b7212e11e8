/** Builds the pool's template feed from `[template_provider_type]`. */
import path from 'node:path';
import type { Logger } from 'pino';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { ConfigError } from '../common/config.js';
import { nodeLinkSource } from '../common/node-link.js';
import { embeddedDifficulty, startNode } from '../common/embedded-node.js';
import type { RunningNode } from '../common/embedded-node.js';
import type { PoolConfig } from './config.js';
import { SourceTemplateFeed } from '../common/template-feed.js';
import type { TemplateFeed } from '../common/template-feed.js';
import { TdpTemplateFeed } from '../common/tdp-client.js';
import { networkOfChain } from '../../bitcoin/network.js';
import { RpcClient } from '../../net/bitcoind/rpc-client.js';
import type { RpcTemplateSource } from '../../net/bitcoind/rpc-template-source.js';
import type { NodeLinkConfig } from '../common/node-link.js';
import { rewardMismatch } from './config.js';

export interface FeedResult {
  feed: TemplateFeed;
  /** The in-process node, when the pool runs the embedded chain. */
  node?: RunningNode;
}

export async function templateFeedFor(cfg: PoolConfig, log: Logger): Promise<FeedResult> {
  const tp = cfg.template_provider_type;
  if ('Embedded' in tp) {
    const e = tp.Embedded;
    const node = await startNode(
      { dataDir: e.data_dir, difficulty: embeddedDifficulty(e, 'template_provider_type.Embedded'), txPerSecond: e.tx_per_second, segwitHeight: e.segwit_height },
      { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    );
    return { feed: new SourceTemplateFeed(node.source, { onClose: () => node.close() }), node };
  }
  if ('BitcoinCoreRpc' in tp) {
    const r = tp.BitcoinCoreRpc;
    if (r.cookie_file === undefined && (r.user === undefined || r.password === undefined)) throw new ConfigError('template_provider_type.BitcoinCoreRpc', 'needs cookie_file, or user and password');
    const source = nodeLinkSource(r, log, {}, path.join(path.dirname(path.resolve(cfg.accounting_db)), 'found-blocks'));
    await checkNodeChain(cfg, r, source, log);
    const lateVerdicts = (listener: (hash: string, o: SubmitOutcome) => void) =>
      source.onSubmitEvent((e) => {
        if (e.kind === 'resubmitted' && e.restored) listener(e.hash, e.outcome);
      });
    // A node that is down at start: the pool listens (health degraded) and mines once it answers.
    return { feed: new SourceTemplateFeed(source, { connected: () => source.isConnected, lateVerdicts, firstTemplateWaitMs: 3_000 }) };
  }
  return { feed: new TdpTemplateFeed({ address: tp.Sv2Tp.address, authorityPublicKey: tp.Sv2Tp.public_key, logger: log }) };
}

const CHAIN_CHECK_TIMEOUT_MS = 3_000;

/**
 * The payout address must belong to the node's chain. A node that answers at start and is on
 * another chain refuses the config (exit 2, naming the key); one that is down is asked when it
 * first answers, and a mismatch then is an error line.
 */
async function checkNodeChain(cfg: PoolConfig, r: NodeLinkConfig, source: RpcTemplateSource, log: Logger): Promise<void> {
  const client = new RpcClient({ url: r.url, auth: r.cookie_file !== undefined ? { cookieFile: r.cookie_file } : { user: r.user!, password: r.password! } });
  const ask = async (): Promise<string | null> => {
    const info = await client.call<{ chain?: string }>('getblockchaininfo', [], { timeoutMs: CHAIN_CHECK_TIMEOUT_MS });
    const network = networkOfChain(String(info.chain));
    return network === undefined ? null : rewardMismatch(cfg, network);
  };
  try {
    const mismatch = await ask();
    if (mismatch !== null) throw new ConfigError('coinbase_reward_script', mismatch);
    return;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
  }
  const off = source.onConnection((ev) => {
    if (!ev.connected) return;
    off();
    ask().then(
      (mismatch) => {
        if (mismatch !== null) log.error({ key: 'coinbase_reward_script' }, `coinbase_reward_script ${mismatch}`);
      },
      () => undefined,
    );
  });
}
