/**
 * Difficulty of the embedded chain: regtest's minimum, a fixed nBits, or a per-block retarget
 * toward a block interval (a moving average over the last `window` blocks, each step clamped to
 * ×4/÷4), starting from the target of an expected hashrate.
 */
import { Sv2Error } from '../codec/sv2-error.js';
import { bigIntToBits, bitsToTargetBigInt } from '../bitcoin/target.js';

export type DifficultyConfig =
  | { mode: 'regtest' }
  | { mode: 'fixed'; bits: number }
  | {
      mode: 'retarget';
      /** Wanted seconds between blocks. */
      blockIntervalSeconds: number;
      /** Starting difficulty as nBits; or derived from `initialHashrate`; or the pow limit. */
      initialBits?: number;
      /** H/s expected to mine: the first target is 2^256 / (hashrate · interval). */
      initialHashrate?: number;
      /** Blocks averaged (default 10). */
      window?: number;
      /**
       * Blocks 1..easyBlocks carry the pow limit and are left out of the average: a fresh chain's
       * bootstrap blocks (coins for the transaction generator) are mined at once, not at the
       * miners' pace.
       */
      easyBlocks?: number;
    };

export class DifficultyConfigError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_CONFIG', message, options);
  }
}

/** Time and nBits of the block at a height (the chain's index answers this). */
export type HeaderAt = (height: number) => { time: number; bits: number };

export function validateDifficulty(cfg: DifficultyConfig, powLimitBits: number): void {
  const limit = bitsToTargetBigInt(powLimitBits);
  const checkBits = (bits: number, what: string) => {
    let t: bigint;
    try {
      t = bitsToTargetBigInt(bits);
    } catch {
      throw new DifficultyConfigError(`${what} 0x${bits.toString(16)} is not a valid nBits`);
    }
    if (t === 0n || t > limit) throw new DifficultyConfigError(`${what} 0x${bits.toString(16)} is outside 0 < target ≤ pow limit`);
  };
  if (cfg.mode === 'fixed') checkBits(cfg.bits, 'difficulty bits');
  if (cfg.mode === 'retarget') {
    if (!(cfg.blockIntervalSeconds >= 1)) throw new DifficultyConfigError('block interval must be at least 1 second');
    if (cfg.initialBits !== undefined) checkBits(cfg.initialBits, 'initial bits');
    if (cfg.initialHashrate !== undefined && !(cfg.initialHashrate > 0)) throw new DifficultyConfigError('initial hashrate must be positive');
    if (cfg.window !== undefined && !(Number.isInteger(cfg.window) && cfg.window >= 1)) throw new DifficultyConfigError('retarget window must be a positive integer');
    if (cfg.easyBlocks !== undefined && !(Number.isInteger(cfg.easyBlocks) && cfg.easyBlocks >= 0)) throw new DifficultyConfigError('easy blocks must be a whole number');
  }
}

/** nBits the block at `height` must carry. */
export function nextBits(cfg: DifficultyConfig, powLimitBits: number, height: number, headerAt: HeaderAt): number {
  if (cfg.mode === 'regtest') return powLimitBits;
  if (cfg.mode === 'fixed') return cfg.bits;
  const limit = bitsToTargetBigInt(powLimitBits);
  const clamp = (t: bigint): number => bigIntToBits(t > limit ? limit : t < 1n ? 1n : t);
  const interval = cfg.blockIntervalSeconds;
  const easy = cfg.easyBlocks ?? 0;
  if (height <= easy) return powLimitBits;
  // Genesis and the easy blocks say nothing about our miners: average over the blocks after them.
  const first = Math.max(1 + easy, height - 1 - (cfg.window ?? 10));
  const spans = height - 1 - first;
  if (spans < 1) {
    if (cfg.initialBits !== undefined) return cfg.initialBits;
    if (cfg.initialHashrate !== undefined) return clamp((1n << 256n) / BigInt(Math.max(1, Math.round(cfg.initialHashrate * interval))) - 1n);
    return powLimitBits;
  }
  let sum = 0n;
  for (let h = first + 1; h <= height - 1; h++) sum += bitsToTargetBigInt(headerAt(h).bits);
  const avg = sum / BigInt(spans);
  const expected = spans * interval;
  const actual = Math.min(Math.max(headerAt(height - 1).time - headerAt(first).time, Math.floor(expected / 4)), expected * 4);
  return clamp((avg * BigInt(Math.max(1, actual))) / BigInt(expected));
}
