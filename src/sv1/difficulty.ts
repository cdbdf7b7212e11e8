/**
 * Sv1 difficulty ⇄ Sv2 target. Difficulty 1 is the target 0x00000000FFFF0000…0000 (pdiff, as
 * every pool and firmware uses, bitcoin/target.ts's DIFF1_TARGET); a target is a 32-byte
 * little-endian integer, the Sv2 wire form. Difficulty → target is exact for any float64
 * difficulty (bitcoin's targetFromDifficulty, behind Sv1's check of the value).
 */
import { DIFF1_TARGET, targetFromDifficulty, targetToBigInt } from '../bitcoin/target.js';
import { Sv1ProtocolError } from './errors.js';

const TWO_POW_64 = 2 ** 64;

function checkDifficulty(difficulty: number): void {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) {
    throw new Sv1ProtocolError('invalid-value', `difficulty must be a positive finite number, got ${difficulty}`);
  }
}

/** floor(diff1 / difficulty) as a 32-byte LE target, capped at 2^256−1 for tiny difficulties. */
export function difficultyToTarget(difficulty: number): Uint8Array {
  checkDifficulty(difficulty);
  return targetFromDifficulty(difficulty);
}

/**
 * diff1 / target as a float64 (Infinity for a zero target), through a quotient with 64 fraction
 * bits. Not bitcoin's difficultyFromTarget, which keeps 64 significant bits: the two differ in
 * the last digits (below difficulty 1 most of all), and these are the figures Sv1 miners are sent.
 */
export function targetToDifficulty(target: Uint8Array): number {
  if (target.length !== 32) throw new Sv1ProtocolError('invalid-value', `a target is 32 bytes, got ${target.length}`);
  const t = targetToBigInt(target);
  if (t === 0n) return Infinity;
  return Number((DIFF1_TARGET << 64n) / t) / TWO_POW_64;
}

export type PowerOfTwoRounding = 'down' | 'up' | 'nearest';

/**
 * Rounds a difficulty to a power of two (…, 0.5, 1, 2, 4, …). ASIC firmware programs the chip's
 * ticket mask with a power of two and some (ESP-Miner) keep difficulty as an integer, so other
 * values cause rejected or wasted shares. 'down' (default) keeps every share the pool wants
 * (the miner submits a superset); 'nearest' is geometric (√2 boundary).
 */
export function powerOfTwoDifficulty(difficulty: number, rounding: PowerOfTwoRounding = 'down'): number {
  checkDifficulty(difficulty);
  let down = 2 ** Math.floor(Math.log2(difficulty));
  // Math.log2 may be off by one ulp near exact powers: settle it exactly
  if (down > difficulty) down /= 2;
  if (down * 2 <= difficulty) down *= 2;
  if (down === difficulty || rounding === 'down') return down;
  const up = down * 2;
  if (rounding === 'up') return up;
  return difficulty / down < up / difficulty ? down : up;
}
