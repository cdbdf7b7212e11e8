/**
 * Per-miner variable difficulty in powers of two. ASIC firmware programs its chips with a
 * power-of-two ticket mask (and some keep difficulty as an integer), so every value sent is
 * 2^k; a power-of-two step also gives hysteresis for free: the difficulty only moves once the
 * measured rate is off by more than √2 either way.
 *
 * It counts the work of accepted shares (the sum of their difficulties) over a window and moves
 * when the evidence is strong enough for the size of the move: a miner 4× or more off its wanted
 * rate moves after 8 shares (or 16 due); a smaller error needs 32 shares (or 64 due) and must be
 * at least 2^0.9 off, so a miner whose ideal difficulty sits between two powers of two does not
 * flap between them. A miner sending nothing is stepped down by 4 once eight shares were due
 * (e^-8 ≈ 0.03 % chance for a healthy miner). Time is passed in (ms), so the logic is pure.
 */
import { HASHES_PER_DIFFICULTY_1 } from '../../bitcoin/target.js';
import { powerOfTwoDifficulty } from '../../sv1/index.js';

/** Shares (or shares due) before a large move / a small move. */
const FAST_SHARES = 8;
const SLOW_SHARES = 32;
/** |log2(ideal / current)| at or above which a move is large (4×). */
const LARGE_MOVE = 2;
/** |log2(ideal / current)| below which the difficulty stays: hysteresis, so a miner whose ideal sits between two powers of two does not flap. */
const DEAD_BAND = 0.9;
/** Shares due with none received before a silent miner is stepped down (e^-8 ≈ 0.03 % for a healthy one). */
const SILENT_DUE = 8;
/** Even a well-tuned miner is re-measured after this long, to track slow drift. */
const MAX_WINDOW_MS = 5 * 60_000;
export const MIN_DIFFICULTY = 2 ** -32;
export const MAX_DIFFICULTY = 2 ** 52;

/** The power-of-two difficulty at which `hashrate` (H/s) finds `sharesPerMinute` shares. */
export function difficultyForHashrate(hashrate: number, sharesPerMinute: number): number {
  const ideal = (hashrate * 60) / (sharesPerMinute * HASHES_PER_DIFFICULTY_1);
  return clampDifficulty(powerOfTwoDifficulty(Math.max(ideal, MIN_DIFFICULTY), 'down'));
}

/** The hashrate (H/s) a difficulty stands for at `sharesPerMinute`. */
export function hashrateForDifficulty(difficulty: number, sharesPerMinute: number): number {
  return (difficulty * HASHES_PER_DIFFICULTY_1 * sharesPerMinute) / 60;
}

function clampDifficulty(d: number): number {
  return Math.min(MAX_DIFFICULTY, Math.max(MIN_DIFFICULTY, d));
}

export interface VardiffOptions {
  sharesPerMinute: number;
  initialDifficulty: number;
  /** a floor the miner asked for (BIP310 minimum-difficulty) */
  minDifficulty?: number;
  now: number;
}

export class PowerOfTwoVardiff {
  readonly sharesPerMinute: number;
  private current: number;
  private floor: number;
  private windowStart: number;
  private shares = 0;
  private work = 0;

  constructor(opts: VardiffOptions) {
    if (!(opts.sharesPerMinute > 0)) throw new RangeError(`shares per minute must be positive, got ${opts.sharesPerMinute}`);
    this.sharesPerMinute = opts.sharesPerMinute;
    this.floor = clampDifficulty(opts.minDifficulty === undefined ? MIN_DIFFICULTY : powerOfTwoDifficulty(opts.minDifficulty, 'up'));
    this.current = Math.max(this.floor, clampDifficulty(powerOfTwoDifficulty(opts.initialDifficulty, 'down')));
    this.windowStart = opts.now;
  }

  get difficulty(): number {
    return this.current;
  }

  get minDifficulty(): number {
    return this.floor;
  }

  /** Sets the difficulty from outside (suggest_difficulty, or following the upstream); starts a new window. */
  set(difficulty: number, now: number): number {
    this.current = Math.max(this.floor, clampDifficulty(powerOfTwoDifficulty(difficulty, 'down')));
    this.reset(now);
    return this.current;
  }

  setMinimum(difficulty: number, now: number): void {
    this.floor = clampDifficulty(powerOfTwoDifficulty(difficulty, 'up'));
    if (this.current < this.floor) this.set(this.floor, now);
  }

  /** An accepted share; `difficulty` is the target it was checked against. */
  recordShare(difficulty: number): void {
    this.shares++;
    this.work += difficulty;
  }

  /** Returns the new difficulty when it should change, else null. */
  update(now: number): number | null {
    const elapsed = now - this.windowStart;
    if (elapsed < 0) {
      this.reset(now);
      return null;
    }
    if (elapsed === 0) return null;
    const expected = (elapsed / 60_000) * this.sharesPerMinute;
    let next: number;
    if (this.shares === 0) {
      if (expected < SILENT_DUE) return null;
      next = this.current / 4;
    } else {
      const ideal = (this.work * 60_000) / (elapsed * this.sharesPerMinute);
      const offBy = Math.abs(Math.log2(ideal / this.current));
      const needed = offBy >= LARGE_MOVE ? FAST_SHARES : SLOW_SHARES;
      // few shares make a noisy estimate: without `needed` of them, wait until twice that many were due
      if (this.shares < needed && expected < 2 * needed) return null;
      if (offBy < DEAD_BAND) {
        if (elapsed >= MAX_WINDOW_MS) this.reset(now);
        return null;
      }
      next = powerOfTwoDifficulty(ideal, 'nearest');
    }
    next = Math.max(this.floor, clampDifficulty(next));
    if (next === this.current) {
      if (elapsed >= MAX_WINDOW_MS) this.reset(now);
      return null;
    }
    this.current = next;
    this.reset(now);
    return next;
  }

  private reset(now: number): void {
    this.windowStart = now;
    this.shares = 0;
    this.work = 0;
  }
}
