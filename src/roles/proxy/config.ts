/**
 * The Sv2 mining proxy's configuration (`PROXY__` environment overrides). Key names follow the
 * pool's for the device listener and the translator's for `[[upstreams]]`; SRI's old
 * mining-proxy keys (`listen_mining_port`, `downstream_share_per_minute`, `pub_key`,
 * `channel_kind`, `expected_total_downstream_hr`, `reconnect`, …) are accepted where they mean
 * the same thing.
 */
import { z } from 'zod';
import { ConfigError, hostPort, loadConfig } from '../common/config.js';
import { deviceSideKeys, deviceSideSettings, type DeviceSideSettings } from '../common/device-config.js';
import type { UpstreamEndpoint } from '../common/upstream.js';
import { resolveUpstream } from '../common/upstream-config.js';

const port = z.number().int().min(0).max(65535);

const upstreamEntry = z.strictObject({
  address: z.string().min(1),
  port: port.optional(),
  authority_pubkey: z.string().min(1).optional(),
  user_identity: z.string().max(255).optional(),
  /** SRI's old mining-proxy name for authority_pubkey */
  pub_key: z.string().min(1).optional(),
  /** SRI's old mining-proxy: Group and Extended both mean one aggregated extended channel here */
  channel_kind: z.enum(['Group', 'Extended', 'ExtendedWithDeclarator']).optional(),
  /** SRI's old mining-proxy job declaration values: not for this role (the JD client's) */
  jd_values: z.unknown().optional(),
});

export const proxyConfigSchema = z
  .strictObject({
    /** where devices connect (host:port) */
    listen_address: z.string().min(1).optional(),
    /** SRI's old mining-proxy: the port beside a bare listen_address host */
    listen_mining_port: port.optional(),
    ...deviceSideKeys,
    /** the identity channels on every upstream open with, unless an upstream names its own */
    user_identity: z.string().max(255).optional(),
    upstreams: z.array(upstreamEntry).min(1),
    /** true: one upstream channel carries every device; false: one upstream channel per device channel, under the device's name */
    aggregate_channels: z.boolean().default(true),
    /** the share rate device targets are set for (vardiff steers to it) */
    downstream_shares_per_minute: z.number().positive().max(6000).optional(),
    /** SRI's old mining-proxy name */
    downstream_share_per_minute: z.number().positive().max(6000).optional(),
    /**
     * Extranonce bytes every device channel gets (2 index bytes + what an extended channel rolls).
     * The same on every upstream, so a switch needs no SetExtranoncePrefix; a nested proxy below
     * must ask for at most this minus 2.
     */
    downstream_extranonce_size: z.number().int().min(4).max(32).default(8),
    /**
     * Device channels open at once (sets the extranonce index width). Default 65 536; without
     * aggregation 10 000, what one pool connection holds by default (the pool's
     * max_channels_per_connection) and what its pacing admits in one go on a switch.
     */
    max_channels: z.number().int().min(1).max(65_536).optional(),
    /** SRI's old mining-proxy: the hashrate the upstream channel opens with before devices measure theirs */
    expected_total_downstream_hr: z.number().positive().optional(),
    /** SRI's old mining-proxy: reconnect to upstreams (always on here) */
    reconnect: z.boolean().optional(),
    /** SRI's old mining-proxy: a Template Provider for job declaration (the JD client's business) */
    tp_address: z.string().optional(),
    /** while on a fallback upstream, try the first one this often and move back when it answers (0: stay) */
    return_to_preferred_secs: z.number().min(0).default(30),
  })
  .superRefine((c, ctx) => {
    if (c.min_supported_version > c.max_supported_version) {
      ctx.addIssue({ code: 'custom', path: ['min_supported_version'], message: 'must not exceed max_supported_version' });
    }
    if (c.listen_address === undefined) ctx.addIssue({ code: 'custom', path: ['listen_address'], message: 'is missing' });
  });

export type ProxyConfigFile = z.infer<typeof proxyConfigSchema>;

/** The configuration in the form the proxy runs on (SRI's old keys folded in). */
export interface ProxySettings extends DeviceSideSettings {
  upstreams: UpstreamEndpoint[];
  /** one upstream channel for all devices, or one per device channel */
  aggregateChannels: boolean;
  /** what the upstream channel announces while no device has a channel yet */
  expectedHashrate: number | null;
  returnToPreferredMs: number;
  /** keys accepted for SRI compatibility that this proxy does not act on (logged at start) */
  ignored: string[];
}

export const DEFAULT_SHARES_PER_MINUTE = 6;
/** One upstream channel per device: as many as a pool connection takes by default. */
export const NON_AGGREGATED_MAX_CHANNELS = 10_000;

/** Turns a validated file into settings; throws ConfigError for what the schema alone cannot see. */
export function resolveProxyConfig(c: ProxyConfigFile): ProxySettings {
  const ignored: string[] = [];
  const upstreams = c.upstreams.map((u, i) => {
    if (u.pub_key !== undefined && u.authority_pubkey !== undefined && u.pub_key !== u.authority_pubkey) {
      throw new ConfigError(`upstreams.${i}.pub_key`, 'differs from authority_pubkey');
    }
    if (u.channel_kind === 'ExtendedWithDeclarator') throw new ConfigError(`upstreams.${i}.channel_kind`, 'job declaration is the JD client\'s (use Group or Extended)');
    if (u.jd_values !== undefined) ignored.push(`upstreams.${i}.jd_values`);
    return resolveUpstream({ address: u.address, port: u.port, authority_pubkey: u.authority_pubkey ?? u.pub_key, user_identity: u.user_identity }, i, c.user_identity);
  });
  let listen = c.listen_address!;
  if (c.listen_mining_port !== undefined) {
    // SRI's old form: a bare host here, the port beside it
    if (hostPort.safeParse(listen).success) throw new ConfigError('listen_mining_port', 'listen_address already has a port');
    listen = `${listen.includes(':') ? `[${listen}]` : listen}:${c.listen_mining_port}`;
  }
  if (!hostPort.safeParse(listen).success) throw new ConfigError('listen_address', 'must be host:port (or a host with listen_mining_port)');
  if (c.downstream_shares_per_minute !== undefined && c.downstream_share_per_minute !== undefined && c.downstream_shares_per_minute !== c.downstream_share_per_minute) {
    throw new ConfigError('downstream_share_per_minute', 'differs from downstream_shares_per_minute');
  }
  if (c.reconnect === false) ignored.push('reconnect = false (the proxy always reconnects)');
  if (c.tp_address !== undefined) ignored.push('tp_address (job declaration is the JD client\'s)');
  return {
    ...deviceSideSettings(c, {
      listenAddress: listen,
      sharesPerMinute: c.downstream_shares_per_minute ?? c.downstream_share_per_minute ?? DEFAULT_SHARES_PER_MINUTE,
      downstreamExtranonceSize: c.downstream_extranonce_size,
      maxChannels: c.max_channels ?? (c.aggregate_channels ? 65_536 : NON_AGGREGATED_MAX_CHANNELS),
    }),
    upstreams,
    aggregateChannels: c.aggregate_channels,
    expectedHashrate: c.expected_total_downstream_hr ?? null,
    returnToPreferredMs: c.return_to_preferred_secs * 1000,
    ignored,
  };
}

/** Reads `file` (optional when the environment has every key) with `PROXY__KEY` overrides. */
export function loadProxyConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ProxySettings {
  return resolveProxyConfig(loadConfig({ file, envPrefix: 'PROXY', schema: proxyConfigSchema, env }));
}
