/**
 * Targets, nBits, difficulty and hashrate.
 *
 * A target on the Sv2 wire is a U256: 32 bytes, little-endian. A hash meets a target when the hash,
 * read as a little-endian 256-bit integer, is ≤ the target. These helpers take and return that
 * byte form, with bigint variants for arithmetic.
 */
import { BitcoinDecodeError } from './bytes.js';

/** A 256-bit target as 32 little-endian bytes (the Sv2 U256 form). */
export type Target = Uint8Array;

const TWO_256 = 1n << 256n;
const MAX_U256 = TWO_256 - 1n;
/** The difficulty-1 target (nBits 0x1d00ffff), the unit of "difficulty". */
export const DIFF1_TARGET = 0xffffn << 208n;
/** Hashes per difficulty-1 share, as every pool counts hashrate (the exact work is 2^32 · (1 + 2^-16)). */
export const HASHES_PER_DIFFICULTY_1 = 2 ** 32;

export function targetToBigInt(target: Target): bigint {
  if (target.length !== 32) throw new BitcoinDecodeError(`a target is 32 bytes, got ${target.length}`);
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(target[i]!);
  return n;
}

export function targetFromBigInt(n: bigint): Target {
  if (n < 0n || n > MAX_U256) throw new RangeError('target out of the 256-bit range');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** hash ≤ target, both 32-byte little-endian. Constant-allocation: the share hot path calls it per share. */
export function hashMeetsTarget(hash: Uint8Array, target: Target): boolean {
  for (let i = 31; i >= 0; i--) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h < t;
  }
  return true;
}

/** Compares two 32-byte little-endian integers: negative, zero or positive like a sort comparator. */
export function compareTargets(a: Target, b: Target): number {
  for (let i = 31; i >= 0; i--) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export interface DecodedBits {
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

/** Bitcoin Core's arith_uint256::SetCompact, with its negative and overflow flags. */
export function decodeBits(bits: number): DecodedBits {
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3));
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target: overflow ? 0n : target & MAX_U256, negative, overflow };
}

/** The target encoded by nBits; throws on a negative or overflowing encoding. */
export function bitsToTargetBigInt(bits: number): bigint {
  const d = decodeBits(bits);
  if (d.negative || d.overflow) throw new RangeError(`nBits 0x${(bits >>> 0).toString(16)} is negative or overflows`);
  return d.target;
}

export function bitsToTarget(bits: number): Target {
  return targetFromBigInt(bitsToTargetBigInt(bits));
}

/** Bitcoin Core's arith_uint256::GetCompact (non-negative targets). */
export function bigIntToBits(target: bigint): number {
  if (target < 0n) throw new RangeError('negative target');
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let compact: number;
  if (size <= 3) compact = Number(target << BigInt(8 * (3 - size)));
  else compact = Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit is a sign bit: shift it out into the exponent.
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  return ((size << 24) | compact) >>> 0;
}

export function targetToBits(target: Target): number {
  return bigIntToBits(targetToBigInt(target));
}

/** Difficulty = diff1 target / target (a float, as bitcoind's getdifficulty reports it). */
export function difficultyFromTarget(target: Target | bigint): number {
  const t = typeof target === 'bigint' ? target : targetToBigInt(target);
  if (t === 0n) return Infinity;
  return ratio(DIFF1_TARGET, t);
}

/**
 * diff1 / hash as a float from the hash's top 7 significant bytes: within 1e-12 of the exact
 * quotient, without bigints, for the per-share "best difficulty" statistics of every role.
 */
export function difficultyFromHash(hash: Uint8Array): number {
  let top = 31;
  while (top > 0 && hash[top] === 0) top--;
  let mantissa = 0;
  for (let i = 0; i < 7; i++) mantissa = mantissa * 256 + (top - i >= 0 ? hash[top - i]! : 0);
  if (mantissa === 0) return Infinity;
  // hash ≈ mantissa · 256^(top − 6); diff1 = 0xffff · 2^208
  return (0xffff / mantissa) * 2 ** (208 - 8 * (top - 6));
}

export function difficultyFromBits(bits: number): number {
  return difficultyFromTarget(bitsToTargetBigInt(bits));
}

/** The target of a given difficulty (diff1 / difficulty, rounded down), clamped to 2^256-1. */
export function targetFromDifficulty(difficulty: number): Target {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) throw new RangeError(`bad difficulty ${difficulty}`);
  // difficulty = m · 2^e exactly (m a safe integer), so the division below is exact integer arithmetic.
  let m = difficulty;
  let e = 0;
  while (!Number.isInteger(m)) {
    m *= 2;
    e--;
  }
  while (m > Number.MAX_SAFE_INTEGER) {
    m /= 2;
    e++;
  }
  const t = e >= 0 ? DIFF1_TARGET / (BigInt(m) << BigInt(e)) : (DIFF1_TARGET << BigInt(-e)) / BigInt(m);
  return targetFromBigInt(t > MAX_U256 ? MAX_U256 : t);
}

/** Expected number of hashes to find one ≤ target: 2^256 / (target + 1) (also a block's chain work). */
export function workFromTarget(target: Target | bigint): bigint {
  const t = typeof target === 'bigint' ? target : targetToBigInt(target);
  return TWO_256 / (t + 1n);
}

/**
 * The target for a device of `hashrate` H/s to find `sharesPerMinute` shares per minute, as SRI's
 * channels-sv2 `hash_rate_to_target` computes it: with sh = ⌊hashrate · 60 / sharesPerMinute⌋,
 * target = ((2^256 − 1) − sh) / (sh + 1).
 */
export function hashrateToTarget(hashrate: number, sharesPerMinute: number): Target {
  if (sharesPerMinute === 0) throw new RangeError('shares per minute must not be zero');
  if (sharesPerMinute < 0 || hashrate < 0 || Number.isNaN(hashrate) || Number.isNaN(sharesPerMinute)) {
    throw new RangeError('hashrate and shares per minute must be non-negative');
  }
  const sh = floatToU128(hashrate * (60 / sharesPerMinute));
  return targetFromBigInt((MAX_U256 - sh) / (sh + 1n));
}

/**
 * The hashrate (H/s) at which `target` yields `sharesPerMinute` shares per minute: SRI's
 * `hash_rate_from_target`, h = (2^256 − t) / ((t + 1) · s), with s in seconds per share and the same
 * two-decimal fixed point on s.
 */
export function hashrateFromTarget(target: Target | bigint, sharesPerMinute: number): number {
  if (sharesPerMinute === 0) throw new RangeError('shares per minute must not be zero');
  if (sharesPerMinute < 0) throw new RangeError('shares per minute must be non-negative');
  const t = typeof target === 'bigint' ? target : targetToBigInt(target);
  const numerator = TWO_256 - t;
  const s100 = floatToU128((60 / sharesPerMinute) * 100);
  if (s100 === 0n) throw new RangeError('shares per minute too large');
  const denominator = ((t + 1n) * s100) / 100n;
  if (denominator === 0n) return Infinity;
  const result = (numerator / denominator) & ((1n << 128n) - 1n);
  return Number(result);
}

/** Rust's saturating `f64 as u128`. */
function floatToU128(x: number): bigint {
  if (!(x > 0)) return 0n;
  if (x >= 2 ** 128) return (1n << 128n) - 1n;
  return BigInt(Math.floor(x));
}

/** a / b as a float for big integers: the integer quotient is scaled to keep 64 significant bits. */
function ratio(a: bigint, b: bigint): number {
  const shift = Math.max(0, 64 + bitLength(b) - bitLength(a));
  return Number((a << BigInt(shift)) / b) / 2 ** shift;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}
