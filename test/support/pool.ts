/** A real pool for tests: 127.0.0.1 port 0, its own SQLite file, every share acknowledged at once. */
import type { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import type { RunningNode } from '../../src/roles/common/embedded-node.js';
import { silentLogger } from '../../src/roles/common/logger.js';
import type { TemplateFeed } from '../../src/roles/common/template-feed.js';
import { loadPoolConfig, type PoolConfig } from '../../src/roles/pool/config.js';
import { templateFeedFor } from '../../src/roles/pool/feeds.js';
import { Pool, type PoolOptions } from '../../src/roles/pool/pool.js';
import { tempPath } from './temp.js';

/** The POOL__ environment of a test pool signed by `authority` and paying a regtest address; `env` adds or overrides keys. */
export function testPoolEnv(authority: AuthorityKeyPair, env: Record<string, string> = {}, sourceElsewhere = false): Record<string, string> {
  return {
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    // every test peer is 127.0.0.1: a cut peer must not lock the next test out (the penalty has its own test)
    POOL__ABUSE_PENALTY_MAX_SECS: '0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__SHARE_BATCH_SIZE: '1',
    // its own embedded chain, unless the test names another template source
    ...(!sourceElsewhere && !Object.keys(env).some((k) => k.startsWith('POOL__TEMPLATE_PROVIDER_TYPE') || k === 'POOL__TP_ADDRESS') && { POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '2' }),
    ...env,
    POOL__ACCOUNTING_DB: env.POOL__ACCOUNTING_DB ?? tempPath('pool.sqlite'),
  };
}

export interface TestPool {
  pool: Pool;
  config: PoolConfig;
  feed: TemplateFeed;
  /** Its embedded chain. */
  node: RunningNode;
  /** The pool's stratum2+tcp URL. */
  url: string;
  close(): Promise<void>;
}

/** A pool in this process on its own embedded regtest chain; `env` and `base` add config keys, `options` pool options. */
export async function startTestPool(
  authority: AuthorityKeyPair,
  env: Record<string, string> = {},
  base?: Record<string, unknown>,
  options: Omit<PoolOptions, 'config' | 'feed'> = {},
): Promise<TestPool> {
  const config = loadPoolConfig(undefined, testPoolEnv(authority, env, base?.template_provider_type !== undefined), base);
  const { feed, node } = await templateFeedFor(config, silentLogger());
  if (node === undefined) throw new Error('startTestPool runs the embedded chain: use testPoolEnv for another template source');
  const pool = await Pool.start({ ...options, config, feed });
  return { pool, config, feed, node, url: `stratum2+tcp://127.0.0.1:${pool.port}/${authority.publicKey.toString()}`, close: () => pool.close() };
}
