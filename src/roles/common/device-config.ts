/**
 * The configuration keys of a role's device side (the proxy's and the JD client's, SRI's names):
 * its authority key pair and certificate, protocol versions, share batching, frame size,
 * monitoring, logging and the listener limits. One schema part and one reading, so both roles
 * take and mean the same keys.
 */
import { z } from 'zod';
import { hostPort, splitHostPort } from './config.js';
import type { DeviceListenSettings } from './device-front.js';
import { limitKeys, limitsOf, type LimitsConfig } from './limits.js';
import { logKeys } from './logger.js';

export const deviceSideKeys = {
  authority_public_key: z.string().min(1),
  authority_secret_key: z.string().min(1),
  cert_validity_sec: z.number().int().positive().default(3600),
  min_supported_version: z.number().int().min(2).max(2).default(2),
  max_supported_version: z.number().int().min(2).max(2).default(2),
  /** SubmitShares.Success to a device every this many accepted shares */
  share_batch_size: z.number().int().min(1).max(10_000).default(10),
  monitoring_address: hostPort.optional(),
  max_frame_bytes: z.number().int().min(1024).max(16 << 20).default(1 << 20),
  ...logKeys,
  ...limitKeys,
  /** a device that sends nothing this long is dropped (0 = never) (ours) */
  idle_timeout_secs: z.number().nonnegative().default(600),
};

type DeviceSideFile = LimitsConfig & {
  authority_public_key: string;
  authority_secret_key: string;
  cert_validity_sec: number;
  min_supported_version: number;
  max_supported_version: number;
  share_batch_size: number;
  monitoring_address?: string | undefined;
  max_frame_bytes: number;
  log_file?: string | undefined;
  log_level?: string | undefined;
  log_format?: string | undefined;
};

/** The device side's settings, as both roles run on them. */
export interface DeviceSideSettings extends DeviceListenSettings {
  minVersion: number;
  maxVersion: number;
  sharesPerMinute: number;
  shareBatchSize: number;
  /** every device channel's extranonce bytes (channel index + what it rolls) */
  downstreamExtranonceSize: number;
  maxChannels: number;
  monitoringAddress: { host: string; port: number } | null;
  logFile: string | null;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
}

/** Reads the shared keys; what each role names its own way comes in `own`. */
export function deviceSideSettings(
  c: DeviceSideFile,
  own: { listenAddress: string; sharesPerMinute: number; downstreamExtranonceSize: number; maxChannels: number },
): DeviceSideSettings {
  return {
    ...own,
    authorityPublicKey: c.authority_public_key,
    authoritySecretKey: c.authority_secret_key,
    certValiditySecs: c.cert_validity_sec,
    minVersion: c.min_supported_version,
    maxVersion: c.max_supported_version,
    shareBatchSize: c.share_batch_size,
    monitoringAddress: c.monitoring_address === undefined ? null : splitHostPort(c.monitoring_address),
    maxFrameBytes: c.max_frame_bytes,
    limits: limitsOf(c),
    logFile: c.log_file ?? null,
    logLevel: c.log_level,
    logFormat: c.log_format,
  };
}
