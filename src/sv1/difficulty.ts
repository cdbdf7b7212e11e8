/**
 * Sv1 difficulty ⇄ Sv2 target. Difficulty 1 is the target 0x00000000FFFF0000…0000 (pdiff, as
 * every pool and firmware uses); a target is a 32-byte little-endian integer, the Sv2 wire form.
 * Conversions are exact for any float64 difficulty (no rounding through doubles).
 */
import { Sv1ProtocolError } from './errors.js';

/** The difficulty-1 target, 0xFFFF · 2^208. */
export const DIFFICULTY_1_TARGET = 0xffffn << 208n;
const MAX_TARGET = (1n << 256n) - 1n;
const TWO_POW_64 = 2 ** 64;

/** A 32-byte little-endian integer (target or hash) as a bigint. */
export function targetToBigInt(target: Uint8Array): bigint {
  if (target.length !== 32) throw new Sv1ProtocolError('invalid-value', `a target is 32 bytes, got ${target.length}`);
  let value = 0n;
  for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(target[i]!);
  return value;
}

export function bigIntToTarget(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_TARGET) throw new Sv1ProtocolError('invalid-value', 'a target must fit 256 bits');
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** float64 → mantissa · 2^exponent, exactly. */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return biased === 0 ? { mantissa: fraction, exponent: -1074 } : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** floor(diff1 / difficulty) as a 32-byte LE target, capped at 2^256−1 for tiny difficulties. */
export function difficultyToTarget(difficulty: number): Uint8Array {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) {
    throw new Sv1ProtocolError('invalid-value', `difficulty must be a positive finite number, got ${difficulty}`);
  }
  const { mantissa, exponent } = decompose(difficulty);
  const target = exponent >= 0 ? DIFFICULTY_1_TARGET / (mantissa << BigInt(exponent)) : (DIFFICULTY_1_TARGET << BigInt(-exponent)) / mantissa;
  return bigIntToTarget(target > MAX_TARGET ? MAX_TARGET : target);
}

/** diff1 / target as a float64 (Infinity for a zero target). */
export function targetToDifficulty(target: Uint8Array): number {
  const t = targetToBigInt(target);
  if (t === 0n) return Infinity;
  return Number((DIFFICULTY_1_TARGET << 64n) / t) / TWO_POW_64;
}

/** The difficulty a hash achieves (same arithmetic: a hash is compared like a target). */
export function hashToDifficulty(hash: Uint8Array): number {
  return targetToDifficulty(hash);
}

/** hash ≤ target, both 32-byte little-endian; no allocation (hot path of share checks). */
export function hashMeetsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h < t;
  }
  return true;
}

export type PowerOfTwoRounding = 'down' | 'up' | 'nearest';

/**
 * Rounds a difficulty to a power of two (…, 0.5, 1, 2, 4, …). ASIC firmware programs the chip's
 * ticket mask with a power of two and some (ESP-Miner) keep difficulty as an integer, so other
 * values cause rejected or wasted shares. 'down' (default) keeps every share the pool wants
 * (the miner submits a superset); 'nearest' is geometric (√2 boundary).
 */
export function powerOfTwoDifficulty(difficulty: number, rounding: PowerOfTwoRounding = 'down'): number {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) {
    throw new Sv1ProtocolError('invalid-value', `difficulty must be a positive finite number, got ${difficulty}`);
  }
  let down = 2 ** Math.floor(Math.log2(difficulty));
  // Math.log2 may be off by one ulp near exact powers: settle it exactly
  if (down > difficulty) down /= 2;
  if (down * 2 <= difficulty) down *= 2;
  if (down === difficulty || rounding === 'down') return down;
  const up = down * 2;
  if (rounding === 'up') return up;
  return difficulty / down < up / difficulty ? down : up;
}
