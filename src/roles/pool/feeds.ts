/** Builds the pool's template feed from `[template_provider_type]` (the table is shared: roles/common/template-provider-type.ts). */
import path from 'node:path';
import type { Logger } from 'pino';
import { templateFeedFrom, type FeedResult } from '../common/template-provider-type.js';
import type { PoolConfig } from './config.js';
import { rewardMismatch } from './config.js';

export type { FeedResult };

/** The pool's feed; a node over RPC must be on the chain of the pool's payout address. */
export function templateFeedFor(cfg: PoolConfig, log: Logger): Promise<FeedResult> {
  return templateFeedFrom(cfg.template_provider_type, log, path.join(path.dirname(path.resolve(cfg.accounting_db)), 'found-blocks'), {
    key: 'coinbase_reward_script',
    mismatch: (network) => rewardMismatch(cfg, network),
  });
}
