/** The Template Provider's source of templates: the embedded chain (default) or a bitcoind JSON-RPC node. */
import type { Logger } from 'pino';
import { DifficultyConfigError } from '../../chain/difficulty.js';
import type { TemplateHubOptions, TemplateSource } from '../../chain/template-source.js';
import { ConfigError } from '../common/config.js';
import { nodeLinkSource } from '../common/node-link.js';
import { embeddedDifficulty, startNode, type RunningNode } from '../common/embedded-node.js';
import type { TpConfig } from './config.js';

export interface Backend {
  kind: 'embedded' | 'bitcoind-rpc';
  source: TemplateSource;
  /** The in-process chain, for the embedded backend. */
  node?: RunningNode;
  /** false while the RPC node does not answer. */
  connected(): boolean;
  /** Found blocks waiting for the RPC node to answer again. */
  queuedBlocks?(): number;
  close(): Promise<void>;
}

export async function startBackend(cfg: TpConfig, log: Logger): Promise<Backend> {
  const templates: TemplateHubOptions = { feeDelta: BigInt(cfg.fee_delta_sats), cacheSize: cfg.template_cache_size };
  const b = cfg.backend;
  if ('Embedded' in b) {
    const e = b.Embedded;
    let node: RunningNode;
    try {
      node = await startNode(
        { dataDir: e.data_dir, difficulty: embeddedDifficulty(e, 'backend.Embedded'), txPerSecond: e.tx_per_second, segwitHeight: e.segwit_height, templates },
        { info: (m) => log.info(m), warn: (m) => log.warn(m) },
      );
    } catch (err) {
      if (err instanceof DifficultyConfigError) throw new ConfigError(e.nbits !== undefined ? 'backend.Embedded.nbits' : 'backend.Embedded', err.message);
      throw err;
    }
    return { kind: 'embedded', source: node.source, node, connected: () => true, close: () => node.close() };
  }
  const source = nodeLinkSource(b.BitcoinCoreRpc, log, templates);
  return { kind: 'bitcoind-rpc', source, connected: () => source.isConnected, queuedBlocks: () => source.queuedBlocks, close: () => source.close() };
}
