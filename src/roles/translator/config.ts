/**
 * The translator's configuration, with SRI's tProxy key names so an SRI `tproxy.toml` loads as is
 * (including the legacy single-upstream keys). Environment overrides use the `TPROXY__` prefix.
 */
import { z } from 'zod';
import { limitKeys } from '../common/limits.js';
import { ConfigError, hostPort, loadConfig, splitHostPort } from '../common/config.js';
import { logKeys } from '../common/logger.js';
import type { UpstreamEndpoint } from '../common/upstream.js';
import { resolveUpstream, upstreamSchema } from '../common/upstream-config.js';

const port = z.number().int().min(0).max(65535);
const positive = z.number().positive().finite();

export const translatorConfigSchema = z
  .strictObject({
    downstream_address: z.string().min(1),
    downstream_port: port,
    max_supported_version: z.number().int().min(2).max(2).default(2),
    min_supported_version: z.number().int().min(2).max(2).default(2),
    /** 2..16 (cgminer handles at most 8) */
    downstream_extranonce2_size: z.number().int().min(2).max(16).optional(),
    /** older SRI: one identity for every upstream */
    user_identity: z.string().max(255).optional(),
    aggregate_channels: z.boolean().default(true),
    verify_payout: z.literal(false, { message: 'payout verification is not supported by this translator; set it to false' }).default(false),
    ...logKeys,
    supported_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
    required_extensions: z.array(z.number().int().min(0).max(0xffff)).default([]),
    monitoring_address: hostPort.optional(),
    monitoring_cache_refresh_secs: z.number().int().min(0).optional(),
    monitoring_sv1_per_client_metrics: z.boolean().default(true),
    /** Sv1 jobs kept per channel for late shares; 0 or unset means 16 */
    max_past_jobs: z.number().int().min(0).max(1024).default(0),
    miner_telemetry: z.strictObject({ cidrs: z.array(z.string()).default([]) }).optional(),
    /** Sv1 miners connected at once, and from one address (ours). */
    max_connections: z.number().int().positive().default(10_000),
    max_connections_per_ip: z.number().int().positive().default(1_000),
    /** A refused miner's connection is held before it is closed, as in every role (ours). */
    refused_hold_secs: limitKeys.refused_hold_secs,
    max_refused_held: limitKeys.max_refused_held,
    downstream_difficulty_config: z.strictObject({
      /** hashes/s of the weakest miner expected: sets every miner's starting difficulty */
      min_individual_miner_hashrate: positive,
      shares_per_minute: positive,
      enable_vardiff: z.boolean().default(true),
      /** resend the current job with a fresh ntime after this many seconds without a job; 0 disables */
      job_keepalive_interval_secs: z.number().int().min(0).default(60),
    }),
    upstreams: z.array(upstreamSchema).min(1).optional(),
    // legacy (SRI ≤ v1.2) single-upstream keys
    upstream_address: z.string().min(1).optional(),
    upstream_port: port.optional(),
    upstream_authority_pubkey: z.string().min(1).optional(),
    min_extranonce2_size: z.number().int().min(2).max(16).optional(),
    upstream_difficulty_config: z
      .strictObject({ channel_diff_update_interval: z.number().int().min(0).optional(), channel_nominal_hashrate: z.number().min(0).optional() })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.min_supported_version > c.max_supported_version) {
      ctx.addIssue({ code: 'custom', path: ['min_supported_version'], message: 'must not exceed max_supported_version' });
    }
    if (c.upstreams === undefined && c.upstream_address === undefined) {
      ctx.addIssue({ code: 'custom', path: ['upstreams'], message: 'is missing (at least one [[upstreams]] entry)' });
    }
  });

export type TranslatorConfigFile = z.infer<typeof translatorConfigSchema>;

export type { UpstreamEndpoint };

/** The configuration in the form the translator runs on (legacy keys folded in, URLs split). */
export interface TranslatorSettings {
  downstreamAddress: string;
  downstreamPort: number;
  minVersion: number;
  maxVersion: number;
  extranonce2Size: number;
  aggregateChannels: boolean;
  upstreams: UpstreamEndpoint[];
  minIndividualMinerHashrate: number;
  sharesPerMinute: number;
  enableVardiff: boolean;
  jobKeepaliveIntervalSecs: number;
  maxPastJobs: number;
  monitoringAddress: { host: string; port: number } | null;
  perClientMetrics: boolean;
  maxConnections: number;
  maxConnectionsPerIp: number;
  refusedHoldMs: number;
  maxRefusedHeld: number;
  logFile: string | null;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  /** keys accepted for SRI compatibility that this translator does not act on (logged at start) */
  ignored: string[];
  /** defaults chosen for what the file left out that an operator should know about (logged at start) */
  warnings?: string[];
}

/**
 * SRI's translators before per-upstream identities opened every channel under a fixed name, so
 * their files have no user_identity: those load with this one, and a warning says so.
 */
export const LEGACY_USER_IDENTITY = 'sv2-translator';

export const DEFAULT_EXTRANONCE2_SIZE = 4;
export const DEFAULT_MAX_PAST_JOBS = 16;

/** Turns a validated file into settings; throws ConfigError for what the schema alone cannot see. */
export function resolveTranslatorConfig(c: TranslatorConfigFile): TranslatorSettings {
  const ignored: string[] = [];
  const warnings: string[] = [];
  let fallbackIdentity = c.user_identity;
  if (c.upstreams === undefined && fallbackIdentity === undefined) {
    fallbackIdentity = LEGACY_USER_IDENTITY;
    warnings.push(`user_identity is not set: channels open as "${LEGACY_USER_IDENTITY}"; set user_identity to your pool account`);
  }
  const rawUpstreams = c.upstreams ?? [
    { address: c.upstream_address!, port: c.upstream_port, authority_pubkey: c.upstream_authority_pubkey, user_identity: undefined },
  ];
  const upstreams = rawUpstreams.map((u, i) => resolveUpstream(u, i, fallbackIdentity));
  if (c.upstreams !== undefined && c.upstream_address !== undefined) ignored.push('upstream_address (upstreams is set)');
  if (c.supported_extensions.length > 0) ignored.push('supported_extensions');
  if (c.required_extensions.length > 0) {
    throw new ConfigError('required_extensions', `extensions ${c.required_extensions.map((e) => `0x${e.toString(16).padStart(4, '0')}`).join(', ')} are not supported by this translator`);
  }
  if (c.miner_telemetry !== undefined) ignored.push('miner_telemetry');
  if (c.upstream_difficulty_config !== undefined) ignored.push('upstream_difficulty_config');
  if (c.monitoring_cache_refresh_secs !== undefined) ignored.push('monitoring_cache_refresh_secs (figures are always live)');
  const d = c.downstream_difficulty_config;
  return {
    downstreamAddress: c.downstream_address,
    downstreamPort: c.downstream_port,
    minVersion: c.min_supported_version,
    maxVersion: c.max_supported_version,
    extranonce2Size: c.downstream_extranonce2_size ?? c.min_extranonce2_size ?? DEFAULT_EXTRANONCE2_SIZE,
    aggregateChannels: c.aggregate_channels,
    upstreams,
    minIndividualMinerHashrate: d.min_individual_miner_hashrate,
    sharesPerMinute: d.shares_per_minute,
    enableVardiff: d.enable_vardiff,
    jobKeepaliveIntervalSecs: d.job_keepalive_interval_secs,
    maxPastJobs: c.max_past_jobs === 0 ? DEFAULT_MAX_PAST_JOBS : c.max_past_jobs,
    monitoringAddress: c.monitoring_address === undefined ? null : splitHostPort(c.monitoring_address),
    perClientMetrics: c.monitoring_sv1_per_client_metrics,
    maxConnections: c.max_connections,
    maxConnectionsPerIp: c.max_connections_per_ip,
    refusedHoldMs: c.refused_hold_secs * 1000,
    maxRefusedHeld: c.max_refused_held,
    logFile: c.log_file ?? null,
    logLevel: c.log_level,
    logFormat: c.log_format,
    ignored,
    warnings,
  };
}

/** Reads `file` (optional when the environment has every key) with `TPROXY__KEY` overrides. */
export function loadTranslatorConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): TranslatorSettings {
  return resolveTranslatorConfig(loadConfig({ file, envPrefix: 'TPROXY', schema: translatorConfigSchema, env }));
}
