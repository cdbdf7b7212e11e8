/**
 * A role's view of its Sv2 upstream (the translator's and the proxy's pool connection): something
 * to send Mining Protocol messages on, what the role may ask of the connection manager, where an
 * upstream is, and the SetupConnection both send. A role's logic is written against these alone,
 * so it runs the same over an encrypted `src/net` connection or in a test with plain values.
 */
import { MiningSetupFlags, PROTOCOL_VERSION, Protocol } from '../../messages/index.js';
import type { MessageName, Messages } from '../../messages/index.js';

export interface UpstreamLink {
  send<N extends MessageName>(name: N, message: Messages[N]): void;
}

/** What a role asks of the connection manager. */
export type UpstreamAction =
  /** Sv2 Reconnect: go to this host/port (null = same), same authority key (spec: a pool cannot redirect elsewhere) */
  | { type: 'reconnect'; host: string | null; port: number | null }
  /** this upstream cannot serve us (channel refused or closed): try the next one */
  | { type: 'fallback'; reason: string };

export interface UpstreamEndpoint {
  host: string;
  port: number;
  /** base58check authority key (SRI form) the pool's certificate must be signed with */
  authorityPubkey: string;
  userIdentity: string;
}

export const VENDOR = 'stratum-v2-ts';

export interface SetupConnectionParams {
  host: string;
  port: number;
  minVersion?: number;
  maxVersion?: number;
  /** SetupConnection.firmware: which role speaks */
  firmware?: string;
  /** flags beyond REQUIRES_VERSION_ROLLING (the JD client adds REQUIRES_WORK_SELECTION) */
  extraFlags?: number;
}

/**
 * The Mining Protocol SetupConnection of a role with devices behind it: REQUIRES_VERSION_ROLLING
 * because those devices roll version bits (BIP310/BIP320), so a pool that forbids it must refuse
 * us up front rather than reject every share later.
 */
export function miningSetupConnection(p: SetupConnectionParams): Messages['SetupConnection'] {
  return {
    protocol: Protocol.Mining,
    minVersion: p.minVersion ?? PROTOCOL_VERSION,
    maxVersion: p.maxVersion ?? PROTOCOL_VERSION,
    flags: MiningSetupFlags.RequiresVersionRolling | (p.extraFlags ?? 0),
    endpointHost: p.host.slice(0, 255),
    endpointPort: p.port,
    vendor: VENDOR,
    hardwareVersion: '',
    firmware: p.firmware ?? 'sv2 translator',
    deviceId: '',
  };
}

const utf8 = new TextEncoder();

/**
 * The user_identity a device's own upstream channel opens with (a proxy that does not aggregate):
 * the device's name as the pool's worker under the account the upstream is configured with, so the
 * pool pays that account and accounts each device. A device that already names the account
 * (`farm.rig1` under `farm`) goes up as it is, as SRI's translator passes a miner's name on.
 */
export function deviceUserIdentity(upstreamIdentity: string, deviceIdentity: string): string {
  if (upstreamIdentity === '' || deviceIdentity === upstreamIdentity || deviceIdentity.startsWith(`${upstreamIdentity}.`)) return deviceIdentity;
  let identity = `${upstreamIdentity}.${deviceIdentity}`;
  // STR0_255 counts bytes: a long device name is cut, never the account.
  while (utf8.encode(identity).length > 255) identity = identity.slice(0, -1);
  return identity;
}

/** The loosest target: a role's upstream channel asks for no ceiling of its own. */
export const MAX_UPSTREAM_TARGET = new Uint8Array(32).fill(0xff);
/** A channel's nominal hashrate is re-announced when it moves by this fraction... */
const HASHRATE_UPDATE_RATIO = 0.1;
/** ...at most this often per channel (spec: a proxy may debounce UpdateChannel to once a second). */
const UPDATE_CHANNEL_MIN_MS = 1_000;

/**
 * Whether an upstream channel last announced at `last` should send UpdateChannel for `hashrate`
 * now (the translator's and the proxy's rule): a move of more than 10 %, at most once a second.
 */
export function hashrateUpdateDue(last: { at: number; hashrate: number } | null | undefined, hashrate: number, now: number): boolean {
  if (hashrate <= 0) return false;
  if (last === null || last === undefined) return true;
  return now - last.at >= UPDATE_CHANNEL_MIN_MS && Math.abs(hashrate - last.hashrate) > last.hashrate * HASHRATE_UPDATE_RATIO;
}
