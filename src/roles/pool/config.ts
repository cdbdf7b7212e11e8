/**
 * The pool's configuration: SRI's key names (so an SRI pool-config.toml works), plus ours where
 * SRI has none. Every key can be overridden from the environment as POOL__KEY.
 */
import { z } from 'zod';
import type { NetworkName } from '../../bitcoin/network.js';
import { ConfigError, hostPort, loadConfig } from '../common/config.js';
import { payoutMismatch, payoutScriptOf, type PayoutScript } from '../common/payout-script.js';
import { limitKeys } from '../common/limits.js';
import { logKeys } from '../common/logger.js';
import { resolveTemplateProviderType, templateProviderType, type TemplateProviderType } from '../common/template-provider-type.js';


export const poolConfigSchema = z.strictObject({
  listen_address: hostPort,
  authority_public_key: z.string().min(1),
  authority_secret_key: z.string().min(1),
  cert_validity_sec: z.number().int().positive().default(3600),
  /** Output descriptor or address paid by every coinbase: `addr(...)`, `raw(...)`. */
  coinbase_reward_script: z.string().min(1),
  pool_signature: z.string().max(64).default('stratum-v2-ts'),
  shares_per_minute: z.number().positive().max(6000).default(6),
  share_batch_size: z.number().int().min(1).max(10_000).default(10),
  server_id: z.number().int().min(0).max(0xffff).default(1),
  template_provider_type: templateProviderType.optional(),
  /** SRI ≤ v1.5 spelling of [template_provider_type.Sv2Tp]: address and key of the TP. */
  tp_address: hostPort.optional(),
  tp_authority_public_key: z.string().optional(),
  supported_extensions: z.array(z.number().int().min(0).max(0xffff)).default([2]),
  required_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
  monitoring_address: hostPort.optional(),
  /**
   * SRI's Job Declarator Server inside the pool (authority keys, cert validity and coinbase script
   * are the pool's). It validates declared jobs against the pool's node, so it needs
   * [template_provider_type.Embedded] or [template_provider_type.BitcoinCoreRpc].
   */
  jds: z
    .strictObject({
      listen_address: hostPort,
      supported_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
      required_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
      /** SRI's legacy JDS key: false also serves Coinbase-only clients (SetCustomMiningJob on a token never declared). */
      full_template_mode_required: z.boolean().default(true),
      /** Seconds a mining job token stays good (ours). */
      token_lifetime_secs: z.number().int().positive().max(86_400).default(600),
      /** Live tokens one JD client connection may hold; beyond, its oldest goes (ours). */
      max_tokens_per_connection: z.number().int().positive().max(100_000).default(64),
      /** Live tokens in all (ours). */
      max_tokens: z.number().int().positive().max(10_000_000).default(100_000),
      /** How long a declaration waits for ProvideMissingTransactions.Success (ours). */
      missing_txs_timeout_secs: z.number().positive().max(600).default(30),
      /** A bitcoind's mempool is listed again at most this often when a declaration names a transaction it lacks (ours). */
      mempool_min_refresh_secs: z.number().nonnegative().max(3600).default(1),
    })
    .optional(),
  /** Accepted for SRI compatibility; our API reads live state, so there is no cache to refresh. */
  monitoring_cache_refresh_secs: z.number().int().positive().optional(),
  /** Jobs of the current prev hash a channel keeps for late shares. */
  max_past_jobs: z.number().int().min(1).max(1024).default(16),
  ...logKeys,
  /** SRI's (misspelled) key for an unencrypted listener on a trusted link. */
  test_only_listen_adress_plain: hostPort.optional(),
  /** Network the reward address belongs to; inferred from the address when absent (ours). */
  network: z.enum(['mainnet', 'testnet', 'testnet4', 'signet', 'regtest']).optional(),
  /** SQLite file for accepted shares and found blocks (ours). */
  accounting_db: z.string().default('pool-accounting.sqlite'),
  /** Seconds between vardiff checks and flushes of partial SubmitShares.Success batches (ours). */
  vardiff_interval_secs: z.number().positive().default(5),
  /** Largest frame payload accepted from a miner (ours). */
  max_frame_bytes: z.number().int().min(1024).max(0xffffff).default(1 << 20),
  ...limitKeys,
  /** A connection that sends nothing for this long is closed (a device that mines sends shares); 0 = never (ours). */
  idle_timeout_secs: z.number().nonnegative().default(600),
  /** Channels one connection may hold: room for a farm proxy in non-aggregated mode (ours). */
  max_channels_per_connection: z.number().int().positive().default(10_000),
  /**
   * Rejected shares a connection may send per minute and per channel it holds before it is cut: an
   * honest device gets a few stale shares a block (a farm proxy, a few per device); a flood of
   * invalid or duplicate ones costs every other miner latency (ours).
   */
  max_rejected_shares_per_min: z.number().int().positive().default(600),
  /**
   * Shares one channel may have accepted on one block: duplicate detection remembers them all, and
   * refuses more (too-many-shares) rather than forget one and credit its replay. Vardiff keeps an
   * honest channel near shares_per_minute, hundreds of times below this (ours).
   */
  max_shares_per_block: z.number().int().min(1).max(1 << 24).default(16_384),
  /** With no new template for this long, every channel gets a fresh job of the current work; 0 = never (ours). */
  job_refresh_secs: z.number().nonnegative().default(60),
});

export type JdsConfig = NonNullable<z.infer<typeof poolConfigSchema>['jds']>;

export type PoolConfig = Omit<z.infer<typeof poolConfigSchema>, 'template_provider_type' | 'tp_address' | 'tp_authority_public_key'> & {
  template_provider_type: TemplateProviderType;
  /** Keys read but not acted on, and other things an operator should hear at start (logged once). */
  warnings?: string[];
};

export function loadPoolConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, base?: Record<string, unknown>): PoolConfig {
  const raw = loadConfig({ file, envPrefix: 'POOL', schema: poolConfigSchema, env, base });
  const { tp_address, tp_authority_public_key, template_provider_type, ...rest } = raw;
  const source = resolveTemplateProviderType(template_provider_type, tp_address, tp_authority_public_key);
  const warnings: string[] = [];
  if (rest.jds !== undefined && 'Sv2Tp' in source) {
    throw new ConfigError('jds', 'needs a node to validate declared jobs against: use [template_provider_type.BitcoinCoreRpc] or [template_provider_type.Embedded] (a Template Provider over Sv2 cannot check transactions)');
  }
  if (rest.monitoring_cache_refresh_secs !== undefined) warnings.push('monitoring_cache_refresh_secs is not acted on: the API reads live state');
  const cfg: PoolConfig = { ...rest, template_provider_type: source, warnings };
  const network = networkOfReward(cfg); // fail at load time, naming the key
  if ('Embedded' in source && network !== undefined && network !== 'regtest') {
    throw new ConfigError('coinbase_reward_script', `is a ${network} address, but [template_provider_type.Embedded] is a regtest chain: use a regtest (bcrt1…) address`);
  }
  return cfg;
}

/** The payout script; the network is the configured one, or the first whose address format fits. */
export function rewardScriptOf(cfg: Pick<PoolConfig, 'coinbase_reward_script' | 'network'>): Uint8Array {
  return rewardOf(cfg).script;
}

/**
 * The network the payout belongs to: the configured one, or the one whose address format fits;
 * undefined for a raw script or descriptor that names no address (it pays on any chain).
 */
export function networkOfReward(cfg: Pick<PoolConfig, 'coinbase_reward_script' | 'network'>): NetworkName | undefined {
  return rewardOf(cfg).network;
}

/** Why the payout cannot be paid on the node's chain, or null when it can. */
export function rewardMismatch(cfg: Pick<PoolConfig, 'coinbase_reward_script'>, nodeNetwork: NetworkName): string | null {
  return payoutMismatch(cfg.coinbase_reward_script, nodeNetwork);
}

function rewardOf(cfg: Pick<PoolConfig, 'coinbase_reward_script' | 'network'>): PayoutScript {
  return payoutScriptOf(cfg.coinbase_reward_script, cfg.network);
}
