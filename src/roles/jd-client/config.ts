/**
 * The JD client's configuration (`JDC__` environment overrides), with SRI's jdc-config keys so an
 * SRI file loads as it is: both the current layout (`[[upstreams]]` with pool and JDS host and
 * port, `[template_provider_type.*]`) and the older one (`pool_address`/`jd_address` as
 * host:port, top-level `tp_address`). Keys SRI has that change nothing here are named once at start.
 */
import { z } from 'zod';
import { AuthorityPublicKey } from '../../noise/authority-key.js';
import { KeyFormatError } from '../../noise/errors.js';
import { ConfigError, hostPort, loadConfig, splitHostPort } from '../common/config.js';
import { deviceSideKeys, deviceSideSettings, type DeviceSideSettings } from '../common/device-config.js';
import { resolveTemplateProviderType, templateProviderType, type TemplateProviderType } from '../common/template-provider-type.js';
import type { UpstreamEndpoint } from '../common/upstream.js';
import { payoutScriptOf } from '../common/payout-script.js';

const port = z.number().int().min(1).max(65535);

const upstreamEntry = z.strictObject({
  authority_pubkey: z.string().min(1),
  /** a host or IP with pool_port, or (SRI's older files) host:port */
  pool_address: z.string().min(1),
  pool_port: port.optional(),
  jds_address: z.string().min(1).optional(),
  jds_port: port.optional(),
  /** SRI's older name: the JDS as host:port */
  jd_address: z.string().min(1).optional(),
  user_identity: z.string().max(255).optional(),
});

export const jdcConfigSchema = z.strictObject({
  listening_address: hostPort,
  ...deviceSideKeys,
  shares_per_minute: z.number().positive().max(6000).default(6),
  /** rollable extranonce bytes of an extended device channel (2 bytes of channel index come on top) */
  reserved_downstream_rollable_extranonce_size: z.number().int().min(2).max(30).default(6),
  mode: z.enum(['FULLTEMPLATE', 'COINBASEONLY']).default('FULLTEMPLATE'),
  /** in the coinbase scriptSig of every job this client builds */
  jdc_signature: z.string().max(64).default(''),
  /** where solo mining pays (the last resort once no upstream is left): a descriptor or address */
  coinbase_reward_script: z.string().min(1),
  /** the reward address's network; inferred from the address when absent (ours) */
  network: z.enum(['mainnet', 'testnet', 'testnet4', 'signet', 'regtest']).optional(),
  user_identity: z.string().max(255).optional(),
  upstreams: z.array(upstreamEntry).default([]),
  template_provider_type: templateProviderType.optional(),
  tp_address: hostPort.optional(),
  tp_authority_public_key: z.string().optional(),
  supported_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
  monitoring_cache_refresh_secs: z.number().int().positive().optional(),
  max_past_jobs: z.number().int().min(0).max(1024).optional(),
  miner_telemetry: z.strictObject({ cidrs: z.array(z.string()) }).optional(),
  /** SRI's older files */
  withhold: z.boolean().optional(),
  timeout: z.strictObject({ unit: z.string(), value: z.number() }).optional(),
  min_extranonce_size: z.number().int().optional(),
  /** device channels open at once (ours) */
  max_channels: z.number().int().min(1).max(65_536).default(65_536),
  /** the JDS and the pool must answer a token, a declaration or a custom job within this, or we fall back (ours) */
  jd_answer_timeout_secs: z.number().positive().max(600).default(10),
  /** an upstream that refused a job is not tried again for this long (ours) */
  refused_upstream_cooldown_secs: z.number().nonnegative().max(86_400).default(60),
  /** while on a later upstream, try the first this often and move back once it answers (0: stay) (ours) */
  return_to_preferred_secs: z.number().min(0).max(86_400).default(30),
});

export type JdcConfigFile = z.infer<typeof jdcConfigSchema>;

export type JdMode = 'FULLTEMPLATE' | 'COINBASEONLY';

/** A pool with its Job Declarator. */
export interface JdcUpstream extends UpstreamEndpoint {
  jds: { host: string; port: number };
}

export interface JdcSettings extends DeviceSideSettings {
  mode: JdMode;
  signature: string;
  /** the solo payout */
  rewardScript: Uint8Array;
  /** the payout as written, checked against a node's chain */
  rewardText: string;
  templateProvider: TemplateProviderType;
  upstreams: JdcUpstream[];
  answerTimeoutMs: number;
  refusalCooldownMs: number;
  returnToPreferredMs: number;
  /** keys read for SRI compatibility that change nothing here, and other things to say at start */
  warnings: string[];
}

/** The identity channels open under when an older SRI file names none. */
export const LEGACY_JDC_USER_IDENTITY = 'sv2-jd-client';

function address(raw: string, portValue: number | undefined, key: string): { host: string; port: number } {
  if (portValue !== undefined) {
    if (raw.includes(':') && !raw.startsWith('[')) throw new ConfigError(key, 'has a port and so does the _port key beside it');
    return { host: raw.replace(/^\[(.*)\]$/, '$1'), port: portValue };
  }
  if (!hostPort.safeParse(raw).success) throw new ConfigError(key, 'must be host:port, or a host with its _port key');
  return splitHostPort(raw);
}

function rewardScript(c: JdcConfigFile): Uint8Array {
  return payoutScriptOf(c.coinbase_reward_script, c.network).script;
}

export function resolveJdcConfig(c: JdcConfigFile): JdcSettings {
  const warnings: string[] = [];
  let fallbackIdentity = c.user_identity;
  if (fallbackIdentity === undefined && c.upstreams.some((u) => u.user_identity === undefined)) {
    fallbackIdentity = LEGACY_JDC_USER_IDENTITY;
    warnings.push(`user_identity is not set: channels open as "${LEGACY_JDC_USER_IDENTITY}"; set user_identity to your pool account`);
  }
  const upstreams = c.upstreams.map((u, i): JdcUpstream => {
    const key = (k: string): string => `upstreams.${i}.${k}`;
    try {
      AuthorityPublicKey.parse(u.authority_pubkey);
    } catch (e) {
      if (e instanceof KeyFormatError) throw new ConfigError(key('authority_pubkey'), e.message);
      throw e;
    }
    const pool = address(u.pool_address, u.pool_port, key('pool_address'));
    if (u.jds_address !== undefined && u.jd_address !== undefined) throw new ConfigError(key('jd_address'), 'give jds_address or jd_address, not both');
    const jdsRaw = u.jds_address ?? u.jd_address;
    if (jdsRaw === undefined) throw new ConfigError(key('jds_address'), 'is missing');
    const jds = address(jdsRaw, u.jds_port, key(u.jds_address !== undefined ? 'jds_address' : 'jd_address'));
    return { host: pool.host, port: pool.port, authorityPubkey: u.authority_pubkey, userIdentity: u.user_identity ?? fallbackIdentity!, jds };
  });
  if (upstreams.length === 0) warnings.push('no [[upstreams]]: mining solo to coinbase_reward_script');
  const templateProvider = resolveTemplateProviderType(c.template_provider_type, c.tp_address, c.tp_authority_public_key);
  const rewardNetwork = payoutScriptOf(c.coinbase_reward_script, c.network).network;
  if ('Embedded' in templateProvider && rewardNetwork !== undefined && rewardNetwork !== 'regtest') {
    throw new ConfigError('coinbase_reward_script', `is a ${rewardNetwork} address, but [template_provider_type.Embedded] is a regtest chain: use a regtest (bcrt1…) address`);
  }
  const notActed: [string, boolean][] = [
    ['withhold', c.withhold !== undefined],
    ['timeout', c.timeout !== undefined],
    ['min_extranonce_size', c.min_extranonce_size !== undefined],
    ['max_past_jobs', c.max_past_jobs !== undefined],
    ['monitoring_cache_refresh_secs', c.monitoring_cache_refresh_secs !== undefined],
    ['miner_telemetry', c.miner_telemetry !== undefined],
  ];
  const ignored = notActed.filter(([, set]) => set).map(([k]) => k);
  if (ignored.length > 0) warnings.push(`read for SRI compatibility, not acted on: ${ignored.join(', ')}`);
  return {
    ...deviceSideSettings(c, {
      listenAddress: c.listening_address,
      sharesPerMinute: c.shares_per_minute,
      downstreamExtranonceSize: c.reserved_downstream_rollable_extranonce_size + 2,
      maxChannels: c.max_channels,
    }),
    mode: c.mode,
    signature: c.jdc_signature,
    rewardScript: rewardScript(c),
    rewardText: c.coinbase_reward_script,
    templateProvider,
    upstreams,
    answerTimeoutMs: c.jd_answer_timeout_secs * 1000,
    refusalCooldownMs: c.refused_upstream_cooldown_secs * 1000,
    returnToPreferredMs: c.return_to_preferred_secs * 1000,
    warnings,
  };
}

/** Reads `file` (optional when the environment gives every key) with `JDC__KEY` overrides. */
export function loadJdcConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, base?: Record<string, unknown>): JdcSettings {
  return resolveJdcConfig(loadConfig({ file, envPrefix: 'JDC', schema: jdcConfigSchema, env, base }));
}
