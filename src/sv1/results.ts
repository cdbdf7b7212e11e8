/**
 * Sv1 responses carry no method, so the requester interprets a result by the id it sent.
 * These readers turn the raw `result` of a response into typed values, and the negotiation
 * helpers compute what a server answers to `mining.configure` (BIP310).
 */
import { Sv1ProtocolError, describeValue } from './errors.js';
import { popcount32 } from './header.js';
import { hexToBytesOrNull, hexU32OrNull } from '../codec/hex.js';
import { MAX_EXTRANONCE_BYTES } from './parse.js';
import type { Sv1ConfigureGrant, Sv1ConfigureRequest, Sv1ConfigureResult, Sv1SubscribeResult } from './types.js';

function fail(what: string, value: unknown): never {
  throw new Sv1ProtocolError('invalid-result', `${what}, got ${describeValue(value)}`);
}

function toInteger(value: unknown): number | null {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}

/**
 * Reads a `mining.subscribe` result: `[subscriptions, extranonce1, extranonce2_size]`, where
 * subscriptions is a list of `[method, id]` pairs, a single pair, or null, depending on the pool.
 */
export function readSubscribeResult(result: unknown): Sv1SubscribeResult {
  if (!Array.isArray(result) || result.length < 3) fail('mining.subscribe result must be [subscriptions, extranonce1, extranonce2_size]', result);
  const extranonce1 = typeof result[1] === 'string' ? hexToBytesOrNull(result[1]) : null;
  if (extranonce1 === null || extranonce1.length > MAX_EXTRANONCE_BYTES) fail('mining.subscribe extranonce1 must be hex of at most 32 bytes', result[1]);
  const extranonce2Size = toInteger(result[2]);
  if (extranonce2Size === null || extranonce2Size < 0 || extranonce2Size > MAX_EXTRANONCE_BYTES) {
    fail('mining.subscribe extranonce2_size must be an integer in 0..32', result[2]);
  }
  const subscriptions: Array<[string, string]> = [];
  const raw: unknown = result[0];
  const pairs = Array.isArray(raw) && typeof raw[0] === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  for (const pair of pairs) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && (typeof pair[1] === 'string' || typeof pair[1] === 'number')) {
      subscriptions.push([pair[0], String(pair[1])]);
    }
  }
  return { subscriptions, extranonce1, extranonce2Size };
}

/** Reads a `mining.configure` result map (BIP310). */
export function readConfigureResult(result: unknown): Sv1ConfigureResult {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) fail('mining.configure result must be an object', result);
  const results = result as Record<string, unknown>;
  const rolling = results['version-rolling'];
  let versionRollingMask: number | null = null;
  let versionRollingError: string | null = null;
  if (rolling === true) {
    const rawMask = results['version-rolling.mask'];
    const digits = typeof rawMask === 'string' ? rawMask.replace(/^0x/i, '') : '';
    const mask = digits.length >= 1 && digits.length <= 8 ? hexU32OrNull(digits.padStart(8, '0')) : null;
    if (mask === null) fail('mining.configure version-rolling.mask must be a hex mask', rawMask);
    versionRollingMask = mask;
  } else if (typeof rolling === 'string') {
    versionRollingError = rolling;
  }
  const flag = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : v === undefined ? null : false);
  return {
    versionRollingMask,
    versionRollingError,
    minimumDifficulty: flag(results['minimum-difficulty']),
    subscribeExtranonce: flag(results['subscribe-extranonce']),
    results,
  };
}

/**
 * Reads a yes/no result (authorize, submit, extranonce.subscribe). Pools answer `true`, `false`,
 * or occasionally `null` with an error beside it; only `true` is success.
 */
export function readBooleanResult(result: unknown): boolean {
  return result === true;
}

/**
 * BIP310: the server answers with the intersection of the miner's and its own mask. Rolling is
 * granted even when fewer bits than `minBitCount` remain (BIP310: the miner degrades, the server
 * should not cut it off); `enough` tells whether the miner's wish was met.
 */
export function negotiateVersionMask(minerMask: number, serverMask: number, minBitCount = 0): { mask: number; enough: boolean } {
  const mask = (minerMask & serverMask) >>> 0;
  return { mask, enough: popcount32(mask) >= minBitCount };
}

export interface Sv1ServerPolicy {
  /** the mask the server allows for rolling, or null to refuse version rolling */
  versionMask: number | null;
  /** whether minimum-difficulty requests are honoured */
  acceptMinimumDifficulty: boolean;
  /** whether the server will send mining.set_extranonce */
  acceptSubscribeExtranonce: boolean;
}

/** The grant a server sends for a configure request: every listed extension gets an answer. */
export function grantConfigure(request: Sv1ConfigureRequest, policy: Sv1ServerPolicy): Sv1ConfigureGrant {
  const grant: Sv1ConfigureGrant = {};
  const other: Record<string, boolean | string> = {};
  for (const extension of request.extensions) {
    switch (extension) {
      case 'version-rolling':
        grant.versionRolling =
          policy.versionMask === null || request.versionRolling === null
            ? false
            : { mask: negotiateVersionMask(request.versionRolling.mask, policy.versionMask).mask };
        break;
      case 'minimum-difficulty':
        grant.minimumDifficulty = policy.acceptMinimumDifficulty;
        break;
      case 'subscribe-extranonce':
        grant.subscribeExtranonce = policy.acceptSubscribeExtranonce;
        break;
      case 'info':
        other.info = true; // informational strings: nothing to refuse
        break;
      default:
        other[extension] = false;
    }
  }
  if (Object.keys(other).length > 0) grant.other = other;
  return grant;
}
