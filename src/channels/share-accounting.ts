/**
 * Per-channel share bookkeeping on the server: SubmitShares.Success batching, totals for
 * monitoring, and the set of accepted share hashes for duplicate detection.
 */
import type { Messages } from '../messages/registry.js';

const U64_MAX = (1n << 64n) - 1n;

/** What a set of channels counted: enough to total them without counting any share twice. */
export interface ShareCounts {
  readonly accepted: number;
  readonly difficultySum: number;
  readonly bestDifficulty: number;
  readonly blocksFound: number;
  readonly rejected: ReadonlyMap<string, number>;
}

/** Rejected shares of every code. */
export function rejectedTotal(c: ShareCounts): number {
  let n = 0;
  for (const v of c.rejected.values()) n += v;
  return n;
}

/**
 * Counts folded in from channels that closed, plus rejects that had no channel to count them.
 * With the open channels' own ShareAccounting it gives totals in which every share is counted once.
 */
export class ShareTally implements ShareCounts {
  accepted = 0;
  difficultySum = 0;
  bestDifficulty = 0;
  blocksFound = 0;
  readonly rejected = new Map<string, number>();

  fold(c: ShareCounts): this {
    this.accepted += c.accepted;
    this.difficultySum += c.difficultySum;
    this.blocksFound += c.blocksFound;
    if (c.bestDifficulty > this.bestDifficulty) this.bestDifficulty = c.bestDifficulty;
    for (const [code, n] of c.rejected) this.rejected.set(code, (this.rejected.get(code) ?? 0) + n);
    return this;
  }

  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }
}

/**
 * A channel's counts (accepted, their summed difficulty, the best share, blocks, rejects by code,
 * since the channel opened), and the acknowledgement of accepted shares in batches of
 * `batchSize` (SubmitShares.Success counts per batch).
 */
export class ShareAccounting extends ShareTally {
  private batchCount = 0;
  private batchSum = 0;
  private lastSequence = 0;

  constructor(
    readonly channelId: number,
    readonly batchSize: number,
  ) {
    super();
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`share batch size must be a positive integer, got ${batchSize}`);
  }

  /** Shares accepted but not yet acknowledged. */
  get pending(): number {
    return this.batchCount;
  }

  get rejectedTotal(): number {
    return rejectedTotal(this);
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

/** What `SeenShares.add` found: a new share, one seen before, or no room to remember another. */
export type SeenResult = 'new' | 'duplicate' | 'full';

/**
 * Hashes of accepted shares on the current prev hash, for `duplicate-share`. A share is known by
 * the first 64 bits of its hash (uniformly random for any share; a false match is a 2^-64 event),
 * kept in an open-addressing table of typed arrays: no per-share allocation and nothing for the
 * garbage collector. Bounded, and it never forgets within a prev hash (forgetting would credit a
 * replayed share twice): past `limit` it answers `full` and the channel refuses shares until the
 * next block. A channel sending that many shares per block needs a harder target, which vardiff
 * gives it. The table starts small and doubles as it fills.
 */
export class SeenShares {
  private lo!: Uint32Array;
  private hi!: Uint32Array;
  private used!: Uint8Array;
  private mask = 0;
  private count = 0;

  constructor(readonly limit = 16_384) {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1 << 24) throw new RangeError(`seen-share limit must be 1..2^24, got ${limit}`);
    this.reset();
  }

  get size(): number {
    return this.count;
  }

  /** Records `hash` unless it is a duplicate or the table is full. */
  add(hash: Uint8Array): SeenResult {
    const lo = (hash[0]! | (hash[1]! << 8) | (hash[2]! << 16) | (hash[3]! << 24)) >>> 0;
    const hi = (hash[4]! | (hash[5]! << 8) | (hash[6]! << 16) | (hash[7]! << 24)) >>> 0;
    let i = lo & this.mask;
    while (this.used[i] === 1) {
      if (this.lo[i] === lo && this.hi[i] === hi) return 'duplicate';
      i = (i + 1) & this.mask;
    }
    if (this.count === this.limit) return 'full';
    if ((this.count + 1) * 2 > this.used.length) {
      this.growTable();
      i = lo & this.mask;
      while (this.used[i] === 1) i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.count++;
    return 'new';
  }

  /** Forgets everything (a new prev hash), giving back the memory a burst of shares took. */
  clear(): void {
    if (this.used.length > 1024) this.reset();
    else {
      this.used.fill(0);
      this.count = 0;
    }
  }

  private reset(): void {
    this.lo = new Uint32Array(64);
    this.hi = new Uint32Array(64);
    this.used = new Uint8Array(64);
    this.mask = 63;
    this.count = 0;
  }

  private growTable(): void {
    const { lo, hi, used } = this;
    const size = used.length * 2;
    this.lo = new Uint32Array(size);
    this.hi = new Uint32Array(size);
    this.used = new Uint8Array(size);
    this.mask = size - 1;
    for (let k = 0; k < used.length; k++) {
      if (used[k] !== 1) continue;
      let i = lo[k]! & this.mask;
      while (this.used[i] === 1) i = (i + 1) & this.mask;
      this.used[i] = 1;
      this.lo[i] = lo[k]!;
      this.hi[i] = hi[k]!;
    }
  }
}
