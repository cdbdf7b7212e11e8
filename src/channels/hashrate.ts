/**
 * Measured hashrate from accepted share work: Σ difficulty · 2^32 hashes over the last ten
 * minutes, in one-minute buckets (eleven numbers per meter, whatever the share rate). Time is
 * passed in (ms), so the meter is pure.
 */
import { HASHES_PER_DIFFICULTY_1 } from '../bitcoin/target.js';

export class HashrateMeter {
  private static readonly BUCKETS = 10;
  private static readonly BUCKET_MS = 60_000;
  private readonly buckets = new Float64Array(HashrateMeter.BUCKETS);
  private bucketIndex: number;
  private readonly since: number;

  constructor(now: number) {
    this.since = now;
    this.bucketIndex = Math.floor(now / HashrateMeter.BUCKET_MS);
  }

  record(difficulty: number, now: number): void {
    this.advance(now);
    this.buckets[this.bucketIndex % HashrateMeter.BUCKETS]! += difficulty;
  }

  /**
   * H/s over the covered span, or null before the first share. The span starts at the meter's
   * creation, or at `since` when measuring from another start (a pool's, say).
   */
  hashrate(now: number, since = this.since): number | null {
    this.advance(now);
    let work = 0;
    for (const w of this.buckets) work += w;
    if (work === 0) return null;
    const windowStart = (this.bucketIndex - HashrateMeter.BUCKETS + 1) * HashrateMeter.BUCKET_MS;
    const span = now - Math.max(since, windowStart);
    return (work * HASHES_PER_DIFFICULTY_1) / (Math.max(span, 1_000) / 1000);
  }

  /** Whether the meter has seen a full window (SRI's `stable_hashrate`). */
  stable(now: number): boolean {
    return now - this.since >= HashrateMeter.BUCKETS * HashrateMeter.BUCKET_MS;
  }

  private advance(now: number): void {
    const index = Math.floor(now / HashrateMeter.BUCKET_MS);
    if (index <= this.bucketIndex) return;
    const steps = Math.min(index - this.bucketIndex, HashrateMeter.BUCKETS);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketIndex + i) % HashrateMeter.BUCKETS] = 0;
    this.bucketIndex = index;
  }
}
