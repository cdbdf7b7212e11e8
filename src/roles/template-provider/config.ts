/**
 * The Template Provider's configuration: sv2-tp's concepts (`-sv2port`, `-sv2interval`,
 * `-sv2feedelta`) under TOML names in the style of the SRI configs. Every key can be overridden
 * from the environment as TP__KEY (TP__BACKEND__BITCOINCORERPC__URL, ...).
 */
import { limitKeys } from '../common/limits.js';
import { nodeLinkKeys } from '../common/node-link.js';
import { logKeys } from '../common/logger.js';
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import type { AuthorityKeyPair } from '../../noise/authority-key.js';
import { ConfigError, hostPort, loadConfig, splitHostPort } from '../common/config.js';
import { embeddedDifficulty } from '../common/embedded-node.js';
import { authorityKeyPairOf } from '../common/authority-keys.js';

const compactBits = z.string().regex(/^(0x)?[0-9a-fA-F]{1,8}$/, 'must be a compact target in hex, like "207fffff"');

const embeddedBackend = z.strictObject({
  /** Blocks live here; in memory when absent. */
  data_dir: z.string().min(1).optional(),
  /** Fixed nBits for every block (regtest minimum difficulty when neither this nor the interval is given). */
  nbits: compactBits.optional(),
  /** Retarget every block so one comes about this often at the attached hashrate. */
  target_block_interval_secs: z.number().positive().optional(),
  /** With target_block_interval_secs: the hashrate (H/s) the first target assumes. */
  initial_hashrate: z.number().positive().optional(),
  /** Transactions the generator adds to the mempool per second (0: none, and no bootstrap blocks). */
  tx_per_second: z.number().nonnegative().default(2),
  /** First height where segwit is active (default 0); before it templates carry no witness commitment (ours). */
  segwit_height: z.number().int().nonnegative().optional(),
});

const bitcoinCoreRpcBackend = z.strictObject({
  url: z.url().refine((u) => u.startsWith('http://'), 'must be an http:// URL (bitcoind RPC has no TLS)'),
  user: z.string().optional(),
  password: z.string().optional(),
  cookie_file: z.string().min(1).optional(),
  /** Use getblocktemplate long polling (new tips at once); otherwise poll every poll_interval_secs. */
  long_poll: z.boolean().default(true),
  poll_interval_secs: z.number().positive().default(1),
  ...nodeLinkKeys,
});

export const tpConfigSchema = z.strictObject({
  /** host:port of the Template Distribution listener (SRI examples use 8442; sv2-tp's own default is 8336). */
  listen_address: hostPort.default('127.0.0.1:8442'),
  /** Required unless plaintext = true. */
  authority_public_key: z.string().min(1).optional(),
  authority_secret_key: z.string().min(1).optional(),
  cert_validity_sec: z.number().int().positive().max(0xffffffff).default(3600),
  /** A rise in template fees (sats) that warrants a new template without a new tip (sv2-tp -sv2feedelta). */
  fee_delta_sats: z.number().int().nonnegative().default(1000),
  /** Fee-driven templates go out at most this often per client (sv2-tp -sv2interval); a new tip is always sent at once. */
  template_interval_secs: z.number().nonnegative().max(3600).default(5),
  /** No encryption: refused unless listen_address is a loopback address. */
  plaintext: z.boolean().default(false),
  monitoring_address: hostPort.optional(),
  ...logKeys,
  /** Templates kept for RequestTransactionData and SubmitSolution (ours). */
  template_cache_size: z.number().int().min(8).max(4096).default(64),
  /** Largest frame payload accepted from a client (ours; SubmitSolution needs ~64 KiB). */
  max_frame_bytes: z.number().int().min(1024).max(0xffffff).default(1 << 20),
  ...limitKeys,
  /** A client that sends nothing for this long is closed; 0 = never, the default: a pool has nothing to send between blocks (ours). */
  idle_timeout_secs: z.number().nonnegative().default(0),
  /** Exactly one table: [backend.Embedded] (the default) or [backend.BitcoinCoreRpc]. */
  backend: z
    .strictObject({
      Embedded: embeddedBackend.optional(),
      BitcoinCoreRpc: bitcoinCoreRpcBackend.optional(),
    })
    .optional(),
});

export type EmbeddedBackendConfig = z.infer<typeof embeddedBackend>;
export type BitcoinCoreRpcBackendConfig = z.infer<typeof bitcoinCoreRpcBackend>;
export type BackendConfig = { Embedded: EmbeddedBackendConfig } | { BitcoinCoreRpc: BitcoinCoreRpcBackendConfig };

export type TpConfig = Omit<z.infer<typeof tpConfigSchema>, 'backend'> & { backend: BackendConfig };

/** Reads the TOML file (optional when TP__ variables give everything), applies TP__ overrides, and checks the keys that depend on each other. */
/** `base` holds values applied before the file (a composed stack's defaults). */
export function loadTpConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, base?: Record<string, unknown>): TpConfig {
  const raw = loadConfig({ file, envPrefix: 'TP', schema: tpConfigSchema, env, base });
  const cfg: TpConfig = { ...raw, backend: backendOf(raw.backend) };
  checkListener(cfg);
  if (!cfg.plaintext) authorityOf(cfg);
  return cfg;
}

function backendOf(b: z.infer<typeof tpConfigSchema>['backend']): BackendConfig {
  if (b === undefined) return { Embedded: embeddedBackend.parse({}) };
  if (b.Embedded !== undefined && b.BitcoinCoreRpc !== undefined) throw new ConfigError('backend', 'give one of [backend.Embedded] and [backend.BitcoinCoreRpc], not both');
  if (b.BitcoinCoreRpc !== undefined) {
    const r = b.BitcoinCoreRpc;
    if (r.cookie_file === undefined && (r.user === undefined || r.password === undefined)) {
      throw new ConfigError('backend.BitcoinCoreRpc', 'needs cookie_file, or user and password');
    }
    if (r.cookie_file !== undefined && (r.user !== undefined || r.password !== undefined)) {
      throw new ConfigError('backend.BitcoinCoreRpc.cookie_file', 'give cookie_file or user and password, not both');
    }
    return { BitcoinCoreRpc: r };
  }
  const e = b.Embedded ?? embeddedBackend.parse({});
  embeddedDifficulty(e, 'backend.Embedded'); // fail at load time, naming the key
  if (e.initial_hashrate !== undefined && e.target_block_interval_secs === undefined) {
    throw new ConfigError('backend.Embedded.initial_hashrate', 'only applies with target_block_interval_secs');
  }
  return { Embedded: e };
}

function checkListener(cfg: TpConfig): void {
  const { host, port } = splitHostPort(cfg.listen_address);
  if (port > 65535) throw new ConfigError('listen_address', `port ${port} is out of range`);
  if (cfg.plaintext && !isLoopback(host)) {
    throw new ConfigError('plaintext', `refused: listen_address host ${host} is not a loopback address (plaintext is only for a local link)`);
  }
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIPv4(v4) && v4.startsWith('127.');
}

/** The authority key pair, checked against the configured public key; a ConfigError names the key at fault. */
export function authorityOf(cfg: Pick<TpConfig, 'authority_public_key' | 'authority_secret_key'>): AuthorityKeyPair {
  if (cfg.authority_secret_key === undefined) throw new ConfigError('authority_secret_key', 'is missing (required unless plaintext = true)');
  if (cfg.authority_public_key === undefined) throw new ConfigError('authority_public_key', 'is missing (required unless plaintext = true)');
  return authorityKeyPairOf({ authority_secret_key: cfg.authority_secret_key, authority_public_key: cfg.authority_public_key });
}
