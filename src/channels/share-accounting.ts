/**
 * Per-channel share bookkeeping on the server: SubmitShares.Success batching, totals for
 * monitoring, and the set of accepted share hashes for duplicate detection.
 */
import type { Messages } from '../messages/registry.js';

const U64_MAX = (1n << 64n) - 1n;

/** Acknowledges accepted shares in batches of `batchSize` (SubmitShares.Success counts per batch). */
export class ShareAccounting {
  /** Accepted shares, their summed difficulty, and the best share difficulty, since the channel opened. */
  accepted = 0;
  difficultySum = 0;
  bestDifficulty = 0;
  blocksFound = 0;
  /** Rejected shares by error code. */
  readonly rejected = new Map<string, number>();

  private batchCount = 0;
  private batchSum = 0;
  private lastSequence = 0;

  constructor(
    readonly channelId: number,
    readonly batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`share batch size must be a positive integer, got ${batchSize}`);
  }

  /** Shares accepted but not yet acknowledged. */
  get pending(): number {
    return this.batchCount;
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const v of this.rejected.values()) n += v;
    return n;
  }

  /** Records an accepted share; returns the Success to send when this share completes a batch. */
  accept(sequenceNumber: number, difficulty: number, hashDifficulty: number): Messages['SubmitSharesSuccess'] | null {
    this.accepted++;
    this.difficultySum += difficulty;
    if (hashDifficulty > this.bestDifficulty) this.bestDifficulty = hashDifficulty;
    this.batchCount++;
    this.batchSum += difficulty;
    this.lastSequence = sequenceNumber;
    return this.batchCount >= this.batchSize ? this.flush() : null;
  }

  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }

  /**
   * The Success for the shares accepted since the last one, or null when there are none: for a
   * timer the role drives, and after a block so the finder hears at once.
   */
  flush(): Messages['SubmitSharesSuccess'] | null {
    if (this.batchCount === 0) return null;
    const sum = BigInt(Math.trunc(this.batchSum));
    const ack = {
      channelId: this.channelId,
      lastSequenceNumber: this.lastSequence,
      newSubmitsAcceptedCount: this.batchCount,
      newSharesSum: sum > U64_MAX ? U64_MAX : sum,
    };
    this.batchCount = 0;
    this.batchSum = 0;
    return ack;
  }
}

/**
 * Hashes of accepted shares on the current prev hash, for `duplicate-share`. Bounded: past
 * `limit` the oldest entries go (a channel sending that many shares per block needs a harder
 * target, which vardiff gives it). Keyed by the hash's low 48 bits, checked in full.
 */
export class SeenShares {
  private readonly byKey = new Map<number, Uint8Array>();
  /** Full-hash entries whose 48-bit key collided with another hash (practically never used). */
  private readonly collided = new Set<string>();

  constructor(readonly limit = 65_536) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`seen-share limit must be a positive integer, got ${limit}`);
  }

  get size(): number {
    return this.byKey.size + this.collided.size;
  }

  /** Records `hash`; returns false when it was already there (a duplicate). */
  add(hash: Uint8Array): boolean {
    const key = hash[0]! + hash[1]! * 0x100 + hash[2]! * 0x10000 + hash[3]! * 0x1000000 + hash[4]! * 0x100000000 + hash[5]! * 0x10000000000;
    const prior = this.byKey.get(key);
    if (prior === undefined) {
      this.byKey.set(key, hash);
      if (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value!);
      return true;
    }
    if (equal32(prior, hash)) return false;
    const hex = Buffer.from(hash.buffer, hash.byteOffset, 32).toString('hex');
    if (this.collided.has(hex)) return false;
    this.collided.add(hex);
    if (this.collided.size > this.limit) this.collided.delete(this.collided.values().next().value!);
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.collided.clear();
  }
}

function equal32(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}
