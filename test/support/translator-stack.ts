/**
 * A whole mining stack for translator tests: the real pool on its embedded regtest chain, and the
 * real translator in front of it, configured the way a user would (TPROXY__ variables).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import type { RunningNode } from '../../src/roles/common/embedded-node.js';
import { silentLogger } from '../../src/roles/common/logger.js';
import { loadPoolConfig } from '../../src/roles/pool/config.js';
import { templateFeedFor } from '../../src/roles/pool/feeds.js';
import { Pool } from '../../src/roles/pool/pool.js';
import { loadTranslatorConfig } from '../../src/roles/translator/config.js';
import { startTranslator } from '../../src/roles/translator/translator.js';
import type { RunningTranslator, TranslatorOptions } from '../../src/roles/translator/translator.js';

export interface RunningPool {
  pool: Pool;
  node: RunningNode;
  port: number;
}

/** The pool with its own embedded regtest chain (nearly every other hash is a block). */
export async function startPool(authority: AuthorityKeyPair, env: Record<string, string> = {}): Promise<RunningPool> {
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'sv2-tproxy-pool-')), 'pool.sqlite');
  const cfg = loadPoolConfig(undefined, {
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__SHARE_BATCH_SIZE: '1',
    POOL__ACCOUNTING_DB: db,
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '2',
    ...env,
  });
  const feed = await templateFeedFor(cfg, silentLogger());
  const pool = await Pool.start({ config: cfg, feed: feed.feed });
  return { pool, node: feed.node!, port: pool.port };
}

/** Miner difficulty 2^-24 (≈256 hashes a share) at 60 shares a minute. */
export const TEST_MINER_HASHRATE = 256;

export async function startTestTranslator(
  upstreams: Array<{ port: number; authority: AuthorityKeyPair; host?: string }>,
  env: Record<string, string> = {},
  options: Omit<TranslatorOptions, 'settings'> = {},
): Promise<RunningTranslator> {
  const vars: Record<string, string> = {
    TPROXY__DOWNSTREAM_ADDRESS: '127.0.0.1',
    TPROXY__DOWNSTREAM_PORT: '0',
    TPROXY__USER_IDENTITY: 'tproxy-test',
    TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__MIN_INDIVIDUAL_MINER_HASHRATE: String(TEST_MINER_HASHRATE),
    TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__SHARES_PER_MINUTE: '60',
    ...env,
  };
  upstreams.forEach((u, i) => {
    vars[`TPROXY__UPSTREAMS__${i}__ADDRESS`] = u.host ?? '127.0.0.1';
    vars[`TPROXY__UPSTREAMS__${i}__PORT`] = String(u.port);
    vars[`TPROXY__UPSTREAMS__${i}__AUTHORITY_PUBKEY`] = u.authority.publicKey.toString();
  });
  const settings = loadTranslatorConfig(undefined, vars);
  return startTranslator({ settings, backoff: { initialMs: 50, maxMs: 200, whileMinersWaitMs: 200 }, ...options });
}
