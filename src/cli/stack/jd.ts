/**
 * Job declaration in the local stack: the pool's JDS and the JD client the Sv2 miner mines
 * through. The JD client takes its templates from the stack's Template Provider over Sv2 (its own
 * view of the embedded chain); the pool, which must check declared jobs against a node, reads the
 * same chain in-process.
 */
import { EmbeddedTemplateSource } from '../../chain/embedded-source.js';
import { ConfigError } from '../../roles/common/config.js';
import type { RunningNode } from '../../roles/common/embedded-node.js';
import type { Logger } from '../../roles/common/logger.js';
import { SourceTemplateFeed } from '../../roles/common/template-feed.js';
import { loadJdcConfig, type JdcSettings } from '../../roles/jd-client/config.js';
import { JdClient } from '../../roles/jd-client/jd-client.js';
import type { Pool } from '../../roles/pool/pool.js';
import type { StackConfig } from './config.js';

/** Where the JD client's solo blocks pay: a regtest script of its own, so its blocks are told apart from the pool's. */
const JDC_SOLO_REWARD = `raw(0014${'5a'.repeat(20)})`;

/** The pool's template feed when it runs a JDS: its own subscription to the TP's chain. */
export function poolFeedOnChain(node: RunningNode | undefined): SourceTemplateFeed {
  if (node === undefined) throw new ConfigError('template_provider.backend', 'job declaration in the stack needs the embedded chain');
  return new SourceTemplateFeed(new EmbeddedTemplateSource(node.chain));
}

/** `user`: the pool account the JD client mines for (the Sv2 miner's, whose work it carries). */
export function jdcSettings(cfg: StackConfig, keys: { public_key: string; secret_key: string }, tpPort: number, pool: Pool, user: string): JdcSettings {
  const host = cfg.host;
  try {
    return loadJdcConfig(undefined, {}, {
      listening_address: `${host}:${cfg.jd_client_port}`,
      authority_public_key: keys.public_key,
      authority_secret_key: keys.secret_key,
      coinbase_reward_script: JDC_SOLO_REWARD,
      jdc_signature: 'stack jd-client',
      shares_per_minute: 30,
      upstreams: [{ authority_pubkey: keys.public_key, pool_address: host, pool_port: pool.port, jds_address: host, jds_port: pool.jd!.port, user_identity: user }],
      template_provider_type: { Sv2Tp: { address: `${host}:${tpPort}`, public_key: keys.public_key } },
      ...cfg.jd_client,
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`jd_client.${e.key}`, e.problem);
    throw e;
  }
}

export function startStackJdc(settings: JdcSettings, logger: Logger): Promise<JdClient> {
  return JdClient.start({ settings, logger });
}
