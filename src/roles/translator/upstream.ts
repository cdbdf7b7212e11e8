/**
 * The translator's view of its Sv2 pool connection: something to send Mining Protocol messages
 * on. The core (core.ts) is written against this alone, so it runs the same over an encrypted
 * `src/net` connection or in a test that hands it plain message values.
 */
import { MiningSetupFlags, PROTOCOL_VERSION, Protocol } from '../../messages/index.js';
import type { MessageName, Messages } from '../../messages/index.js';

export interface UpstreamLink {
  send<N extends MessageName>(name: N, message: Messages[N]): void;
}

/** What the core asks of the connection manager. */
export type UpstreamAction =
  /** Sv2 Reconnect: go to this host/port (null = same), same authority key (spec: a pool cannot redirect elsewhere) */
  | { type: 'reconnect'; host: string | null; port: number | null }
  /** this upstream cannot serve us (channel refused or closed): try the next one */
  | { type: 'fallback'; reason: string };

export const VENDOR = 'stratum-v2-ts';

export interface SetupConnectionParams {
  host: string;
  port: number;
  minVersion?: number;
  maxVersion?: number;
}

/**
 * The translator's SetupConnection: Mining Protocol, and REQUIRES_VERSION_ROLLING because the
 * ASICs behind it roll version bits (BIP310) — a pool that forbids it must refuse us up front
 * rather than reject every share later.
 */
export function translatorSetupConnection(p: SetupConnectionParams): Messages['SetupConnection'] {
  return {
    protocol: Protocol.Mining,
    minVersion: p.minVersion ?? PROTOCOL_VERSION,
    maxVersion: p.maxVersion ?? PROTOCOL_VERSION,
    flags: MiningSetupFlags.RequiresVersionRolling,
    endpointHost: p.host.slice(0, 255),
    endpointPort: p.port,
    vendor: VENDOR,
    hardwareVersion: '',
    firmware: 'sv2 translator',
    deviceId: '',
  };
}
