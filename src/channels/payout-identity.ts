/**
 * Who a channel's work pays, read from OpenMiningChannel.user_identity. SRI's syntax is kept so a
 * miner configured for an SRI pool means the same here:
 *
 * - `sri/solo/<address>[/<worker>]`: solo, the block pays the address (less the pool's fee);
 * - `<address>[.<worker>]`: the same, for firmware that only has a user field;
 * - `sri/donate/<percent>/<address>[/<worker>]`: solo, with `percent` of the block to the pool;
 * - `sri/donate[/<worker>]`: everything to the pool (no one is credited);
 * - anything else, `<account>[.<worker>]`: a pool account, paid by the pool's scheme (PPLNS).
 *
 * Pure: the caller passes the chain's network and whether solo mining is on; a refusal is a
 * `UserIdentityError` whose message an operator can read and whose `errorCode` goes into
 * OpenMiningChannel.Error.
 */
import { addressToScript, AddressError, mayBeAddress } from '../bitcoin/address.js';
import type { NetworkName } from '../bitcoin/network.js';
import { NETWORK_NAMES } from '../bitcoin/network.js';
import { bytesToHex } from '../codec/hex.js';
import { Sv2Error } from '../codec/sv2-error.js';
import { MiningErrorCode } from '../messages/mining.js';

/** Shares of a block in basis points (1/100 of a percent): 10 000 is all of it. */
export const FULL_BPS = 10_000;

export type PayoutTarget =
  /** A pool account: credited by the pool's scheme; `script` when its name is an address of the pool's network (payable in the coinbase). */
  | { kind: 'account'; account: string; worker: string | undefined; script?: Uint8Array }
  /** The coinbase pays `script`; the pool takes `poolBps` of the reward (its fee or the miner's donation). */
  | { kind: 'solo'; address: string; script: Uint8Array; poolBps: number; worker: string | undefined }
  /** All to the pool, credited to no one. */
  | { kind: 'donate'; worker: string | undefined };

export interface IdentityRules {
  /** The network the pool mines on: addresses of another are refused. */
  network: NetworkName;
  /** Solo payouts allowed; when not, `sri/solo` and `sri/donate/<percent>` are refused and a bare address is an account name. */
  solo: boolean;
  /** The pool's fee on solo channels, in basis points (a donation above it replaces it). */
  soloFeeBps: number;
}

/** A user_identity the pool will not open a channel for. */
export class UserIdentityError extends Sv2Error {
  readonly errorCode = MiningErrorCode.InvalidUserIdentity;
  constructor(
    readonly identity: string,
    readonly reason: string,
  ) {
    super('SV2_ERR_USER_IDENTITY', `user_identity "${identity}": ${reason}`);
  }
}

const MAX_NAME = 255;

function fail(identity: string, reason: string): never {
  throw new UserIdentityError(identity, reason);
}

function checkName(identity: string, what: string, name: string): void {
  if (name.length === 0) fail(identity, `empty ${what}`);
  if (name.length > MAX_NAME) fail(identity, `${what} longer than ${MAX_NAME} characters`);
  // Control characters in a name end up in logs, CSV and the API.
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) fail(identity, `${what} has control characters`);
}

/** The networks whose address format `text` has (empty: not an address at all). */
export function addressNetworks(text: string): NetworkName[] {
  const found: NetworkName[] = [];
  if (!mayBeAddress(text)) return found;
  for (const n of NETWORK_NAMES) {
    try {
      addressToScript(text, n);
      found.push(n);
    } catch (e) {
      if (!(e instanceof AddressError)) throw e;
    }
  }
  return found;
}

function soloAddress(identity: string, address: string, rules: IdentityRules): Uint8Array {
  try {
    return addressToScript(address, rules.network);
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    const others = addressNetworks(address);
    if (others.length > 0) fail(identity, `${address} is a ${others[0]} address, but this pool mines on ${rules.network}`);
    fail(identity, `${address} is not a valid ${rules.network} address`);
  }
}

/** "2", "0.5", "12.25" (at most two decimals, 0..100) → basis points. */
function percentToBps(identity: string, text: string): number {
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(text)) fail(identity, `donation "${text}" is not a percentage (0 to 100, at most two decimals)`);
  const [whole, frac = ''] = text.split('.') as [string, string?];
  const bps = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (bps > FULL_BPS) fail(identity, `donation ${text} % is more than 100 %`);
  return bps;
}

function optionalWorker(identity: string, parts: string[]): string | undefined {
  if (parts.length === 0) return undefined;
  const worker = parts.join('/');
  checkName(identity, 'worker name', worker);
  return worker;
}

function solo(identity: string, address: string, poolBps: number, worker: string | undefined, rules: IdentityRules): PayoutTarget {
  if (!rules.solo) fail(identity, 'this pool does not pay solo miners (solo_mining is off): use a pool account name');
  const script = soloAddress(identity, address, rules);
  // A miner who donates everything is a donor, not a solo miner with an empty output.
  if (poolBps >= FULL_BPS) return { kind: 'donate', worker };
  return { kind: 'solo', address, script, poolBps: Math.max(poolBps, rules.soloFeeBps), worker };
}

export function parseUserIdentity(identity: string, rules: IdentityRules): PayoutTarget {
  if (identity.length === 0) fail(identity, 'empty');
  if (identity.startsWith('sri/')) {
    const [, mode, ...rest] = identity.split('/') as [string, string, ...string[]];
    if (mode === 'solo') {
      const [address, ...worker] = rest;
      if (address === undefined || address.length === 0) fail(identity, 'sri/solo needs an address: sri/solo/<address>/<worker>');
      return solo(identity, address, 0, optionalWorker(identity, worker), rules);
    }
    if (mode === 'donate') {
      // sri/donate/<percent>/<address>/<worker>, or sri/donate/<worker>: the first part says which.
      const [first, address, ...worker] = rest;
      if (first !== undefined && /^[\d.]+$/.test(first) && address !== undefined) {
        if (address.length === 0) fail(identity, 'sri/donate/<percent>/ needs an address');
        return solo(identity, address, percentToBps(identity, first), optionalWorker(identity, worker), rules);
      }
      return { kind: 'donate', worker: optionalWorker(identity, rest) };
    }
    fail(identity, `unknown mode "sri/${mode}/": use sri/solo/<address>/<worker> or sri/donate/<percent>/<address>/<worker>`);
  }
  const dot = identity.indexOf('.');
  const name = dot < 0 ? identity : identity.slice(0, dot);
  const worker = dot < 0 ? undefined : identity.slice(dot + 1);
  if (worker !== undefined) checkName(identity, 'worker name', worker);
  checkName(identity, 'account name', name);
  if (rules.solo && addressNetworks(name).length > 0) return solo(identity, name, 0, worker, rules);
  const script = accountScript(name, rules.network);
  return script === undefined ? { kind: 'account', account: name, worker } : { kind: 'account', account: name, worker, script };
}

function accountScript(name: string, network: NetworkName): Uint8Array | undefined {
  if (!mayBeAddress(name)) return undefined;
  try {
    return addressToScript(name, network);
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    return undefined;
  }
}

/** A key equal for targets that pay the same outputs (channels with equal keys can share a job). */
export function payoutKey(t: PayoutTarget): string {
  if (t.kind !== 'solo') return '';
  return `${bytesToHex(t.script)}:${t.poolBps}`;
}
