/**
 * Variable difficulty, SRI's "classic" algorithm: count accepted shares, and every so often
 * compare the realized share rate with the wanted one. The further off, the sooner the channel's
 * nominal hashrate (hence its target) is corrected; no shares at all or a wildly high rate get
 * fixed steps. Time is passed in (unix seconds), so the logic stays pure.
 *
 * Hashrates are F32 on the wire and f32 in SRI; the arithmetic below rounds to f32 the same way,
 * so the figures match SRI's to the last bit.
 */
import type { Target } from '../bitcoin/target.js';
import { hashrateFromTarget, targetToBigInt } from '../bitcoin/target.js';

export const DEFAULT_MIN_HASHRATE = 1;
/** Below this many seconds since the last update, nothing is decided. */
export const VARDIFF_MIN_INTERVAL = 15;

const f32 = Math.fround;
const MAX_U256 = (1n << 256n) - 1n;

export interface VardiffOptions {
  /** The share rate the pool wants from the channel. */
  sharesPerMinute: number;
  /** Estimates below this are clamped (H/s); also the fallback for an unusable hashrate. */
  minHashrate?: number;
  /** Unix seconds when counting starts. */
  now: number;
}

export class Vardiff {
  readonly sharesPerMinute: number;
  readonly minHashrate: number;
  private shares = 0;
  private since: number;

  constructor(opts: VardiffOptions) {
    if (!(opts.sharesPerMinute > 0) || !Number.isFinite(opts.sharesPerMinute)) {
      throw new RangeError(`shares per minute must be positive, got ${opts.sharesPerMinute}`);
    }
    this.sharesPerMinute = f32(opts.sharesPerMinute);
    const min = opts.minHashrate ?? DEFAULT_MIN_HASHRATE;
    this.minHashrate = Number.isFinite(min) && min > 0 ? f32(min) : DEFAULT_MIN_HASHRATE;
    this.since = opts.now;
  }

  get sharesSinceUpdate(): number {
    return this.shares;
  }

  get lastUpdate(): number {
    return this.since;
  }

  recordShare(): void {
    this.shares++;
  }

  /** Starts a new counting window (e.g. after UpdateChannel set a new target). */
  reset(now: number): void {
    this.shares = 0;
    this.since = now;
  }

  /**
   * Decides whether the channel's hashrate estimate should change. `hashrate` is the channel's
   * nominal hashrate and `target` its current target. Returns the new nominal hashrate (and starts
   * a new window), or null to leave things as they are.
   */
  update(now: number, hashrate: number, target: Target): number | null {
    const dt = now - this.since;
    if (dt < 0) {
      // The clock stepped back: start over from now rather than stall until it catches up.
      this.reset(now);
      return null;
    }
    if (dt <= VARDIFF_MIN_INTERVAL) return null;

    const floor = this.minHashrate;
    const current = Number.isFinite(hashrate) ? f32(Math.max(hashrate, floor)) : floor;
    const realized = this.shares / (dt / 60);

    let estimate = estimateHashrate(target, realized);
    if (estimate === null) estimate = f32(f32(current * f32(realized)) / this.sharesPerMinute);
    const deltaPct = f32(f32(Math.abs(f32(estimate - current)) / current) * 100);

    const due =
      deltaPct >= 100 ||
      (deltaPct >= 60 && dt >= 60) ||
      (deltaPct >= 50 && dt >= 120) ||
      (deltaPct >= 45 && dt >= 180) ||
      (deltaPct >= 30 && dt >= 240) ||
      (deltaPct >= 15 && dt >= 300);
    if (!due) return null;

    if (realized === 0) {
      estimate = f32(current / (dt <= 30 ? 1.5 : dt < 60 ? 2 : 3));
    } else if (deltaPct > 1000) {
      estimate = f32(current * (dt <= 30 ? 10 : dt < 60 ? 5 : 3));
    }
    if (estimate < floor) estimate = floor;
    this.reset(now);
    return estimate;
  }
}

/**
 * The hashrate that finds `sharesPerMinute` shares of `target` (SRI's hash_rate_from_target), or
 * null where SRI's 256-bit arithmetic gives up: no shares, or a target so easy that
 * (target + 1) · seconds-per-share·100 overflows. The caller then scales by the share-rate ratio.
 */
function estimateHashrate(target: Target, sharesPerMinute: number): number | null {
  if (!(sharesPerMinute > 0)) return null;
  const s100 = Math.floor((60 / sharesPerMinute) * 100);
  if (!(s100 > 0) || !Number.isFinite(s100)) return null;
  const t = targetToBigInt(target);
  if (t === MAX_U256 || (t + 1n) * BigInt(s100) > MAX_U256) return null;
  return f32(hashrateFromTarget(t, sharesPerMinute));
}
