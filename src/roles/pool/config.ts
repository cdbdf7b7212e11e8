/**
 * The pool's configuration: SRI's key names (so an SRI pool-config.toml works), plus ours where
 * SRI has none. Every key can be overridden from the environment as POOL__KEY.
 */
import { z } from 'zod';
import { AddressError, outputScriptFrom } from '../../bitcoin/address.js';
import type { NetworkName } from '../../bitcoin/network.js';
import { ConfigError, hostPort, loadConfig } from '../common/config.js';
import { limitKeys } from '../common/limits.js';
import { nodeLinkKeys } from '../common/node-link.js';
import { logKeys } from '../common/logger.js';


const templateProviderType = z.union([
  /** A Template Provider over Template Distribution (Sv2, Noise unless it says plaintext). */
  z.strictObject({ Sv2Tp: z.strictObject({ address: hostPort, public_key: z.string().optional() }) }),
  /** An in-process regtest chain (ours): what `sv2 stack` and tests use. */
  z.strictObject({
    Embedded: z.strictObject({
      data_dir: z.string().optional(),
      /** Fixed nBits for the chain, as hex (regtest minimum when absent). */
      nbits: z.string().regex(/^(0x)?[0-9a-fA-F]{1,8}$/).optional(),
      /** Retarget so a block comes about every this many seconds. */
      target_block_interval_secs: z.number().positive().optional(),
      tx_per_second: z.number().nonnegative().default(2),
      /** First height where segwit is active (default 0): a chain where it activates late. */
      segwit_height: z.number().int().nonnegative().optional(),
    }),
  }),
  /** SRI's Bitcoin Core IPC (multiprocess) link: recognised so that it is refused with what to use instead. */
  z.strictObject({ BitcoinCoreIpc: z.record(z.string(), z.unknown()) }),
  /** Any node that speaks bitcoind JSON-RPC: Bitcoin Core, Knots, btcd (ours). */
  z.strictObject({
    BitcoinCoreRpc: z.strictObject({
      url: z.string().url(),
      user: z.string().optional(),
      password: z.string().optional(),
      cookie_file: z.string().optional(),
      poll_interval_secs: z.number().positive().default(1),
      ...nodeLinkKeys,
    }),
  }),
]);

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
  /** SRI's Job Declarator Server inside the pool: read, not served yet (one warning at start). */
  jds: z
    .strictObject({
      listen_address: hostPort,
      supported_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
      required_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
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
  /**
   * Solo mining (SRI's user_identity forms sri/solo/<address>/<worker>, <address>[.<worker>],
   * sri/donate/<percent>/<address>/<worker>): the block pays the miner's address. Off: such
   * channels are refused and a bare address is a pool account's name, as before (ours).
   */
  solo_mining: z.boolean().default(false),
  /** The pool's share of a solo miner's block, in percent (a larger donation replaces it) (ours). */
  solo_fee_percent: z.number().min(0).max(100).default(0),
  /**
   * How pool accounts are paid: "pplns" credits them in the accounting database (the coinbase pays
   * the pool, as before); "coinbase" pays the PPLNS window in every coinbase (ours).
   */
  payout_scheme: z.enum(['pplns', 'coinbase']).default('pplns'),
  /** The pool's fee on PPLNS blocks, in percent (ours). */
  pool_fee_percent: z.number().min(0).max(100).default(0),
  /** The PPLNS window: the latest shares worth this many times the network difficulty (ours). */
  pplns_window_factor: z.number().positive().max(1000).default(2),
  /** Shares the PPLNS window remembers at most (memory: 12 bytes each) (ours). */
  pplns_max_shares: z.number().int().min(1).max(1 << 26).default(1 << 20),
  /** Confirmations before a block's credits are mature (ours). */
  maturity_confirmations: z.number().int().min(1).max(10_000).default(100),
  /** Payouts in the coinbase: the smallest output made, and the most payee outputs in one coinbase (ours). */
  coinbase_dust_sats: z.number().int().nonnegative().default(546),
  coinbase_max_outputs: z.number().int().min(1).max(2000).default(100),
  /** Users with their own series in /metrics (the most active; the rest as user="other") (ours). */
  metrics_max_users: z.number().int().min(0).max(1000).default(20),
});

type TemplateProviderType = Exclude<z.infer<typeof templateProviderType>, { BitcoinCoreIpc: unknown }>;

export type PoolConfig = Omit<z.infer<typeof poolConfigSchema>, 'template_provider_type' | 'tp_address' | 'tp_authority_public_key'> & {
  template_provider_type: TemplateProviderType;
  /** Keys read but not acted on, and other things an operator should hear at start (logged once). */
  warnings?: string[];
};

export function loadPoolConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, base?: Record<string, unknown>): PoolConfig {
  const raw = loadConfig({ file, envPrefix: 'POOL', schema: poolConfigSchema, env, base });
  const { tp_address, tp_authority_public_key, template_provider_type, ...rest } = raw;
  if (tp_address !== undefined && template_provider_type !== undefined) {
    throw new ConfigError('tp_address', 'give either tp_address or [template_provider_type], not both');
  }
  const source = template_provider_type ?? (tp_address !== undefined ? { Sv2Tp: { address: tp_address, public_key: tp_authority_public_key } } : undefined);
  if (source === undefined) {
    throw new ConfigError(
      'template_provider_type',
      'is missing: set [template_provider_type.Sv2Tp] address (a Template Provider), [template_provider_type.BitcoinCoreRpc] url (a node over RPC), or [template_provider_type.Embedded] for a private regtest chain',
    );
  }
  if ('BitcoinCoreIpc' in source) {
    throw new ConfigError(
      'template_provider_type.BitcoinCoreIpc',
      "Bitcoin Core's IPC interface is not supported; run a Template Provider (sv2 template-provider, or Bitcoin Core's sv2-tp) and use [template_provider_type.Sv2Tp], or reach the node over JSON-RPC with [template_provider_type.BitcoinCoreRpc]",
    );
  }
  const warnings: string[] = [];
  if (rest.jds !== undefined) warnings.push(`[jds] is read but not served yet: this pool has no Job Declarator, so nothing listens on ${rest.jds.listen_address}`);
  if (rest.monitoring_cache_refresh_secs !== undefined) warnings.push('monitoring_cache_refresh_secs is not acted on: the API reads live state');
  const cfg: PoolConfig = { ...rest, template_provider_type: source, warnings };
  const network = networkOfReward(cfg); // fail at load time, naming the key
  if ('Embedded' in source && network !== undefined && network !== 'regtest') {
    throw new ConfigError('coinbase_reward_script', `is a ${network} address, but [template_provider_type.Embedded] is a regtest chain: use a regtest (bcrt1…) address`);
  }
  return cfg;
}

/**
 * The network the pool mines on, for the addresses in user_identity: the configured one, the
 * reward address's, regtest for the embedded chain, else mainnet.
 */
export function poolNetwork(cfg: Pick<PoolConfig, 'coinbase_reward_script' | 'network' | 'template_provider_type'>): NetworkName {
  return cfg.network ?? networkOfReward(cfg) ?? ('Embedded' in cfg.template_provider_type ? 'regtest' : 'mainnet');
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

function rewardOf(cfg: Pick<PoolConfig, 'coinbase_reward_script' | 'network'>): { script: Uint8Array; network: NetworkName | undefined } {
  const networks: NetworkName[] = cfg.network !== undefined ? [cfg.network] : ['mainnet', 'testnet', 'regtest'];
  let last: unknown;
  const found: { script: Uint8Array; network: NetworkName }[] = [];
  for (const n of networks) {
    try {
      found.push({ script: outputScriptFrom(cfg.coinbase_reward_script, n), network: n });
    } catch (e) {
      if (!(e instanceof AddressError)) throw e;
      last = e;
    }
  }
  if (found.length === 0) throw new ConfigError('coinbase_reward_script', (last as Error).message);
  // A script every network accepts (raw, or a key) belongs to none of them.
  return { script: found[0]!.script, network: found.length === 1 || cfg.network !== undefined ? found[0]!.network : undefined };
}
