/**
 * One upstream extended channel as the translator sees it: the Sv2 jobs the pool sent, the
 * active prev hash, the target, and the Sv1 jobs (`mining.notify`) made from them.
 *
 * Extranonce layout inside the channel (`extranonce_size` bytes after the pool's prefix):
 *
 *   coinbase_tx_prefix ‖ extranonce_prefix ‖ pad (zeros) ‖ extranonce1 ‖ extranonce2 ‖ coinbase_tx_suffix
 *   [            coinb1                              ]   [ miner's Sv1 extranonce ]  [ coinb2 ]
 *
 * extranonce1 (the translator's bytes, see extranonce1.ts) and extranonce2 (the miner's) have
 * fixed sizes; `pad` absorbs whatever extra space the pool granted, so one notify line serves
 * every miner of the channel and a miner keeps its extranonce1 on any upstream.
 */
import type { Messages } from '../../messages/index.js';
import { buildNotify, sv1JobFromSv2 } from '../../sv1/index.js';
import type { Sv1Job } from '../../sv1/index.js';
import type { MinerSession } from './miner.js';

export interface ChannelJob {
  readonly jobId: number;
  readonly version: number;
  readonly versionRollingAllowed: boolean;
  readonly merklePath: readonly Uint8Array[];
  readonly coinbaseTxPrefix: Uint8Array;
  readonly coinbaseTxSuffix: Uint8Array;
  minNtime: number | null;
  /** the target its shares are held to upstream (the channel's when it became active) */
  target: Uint8Array;
}

export interface PrevHash {
  jobId: number;
  prevHash: Uint8Array;
  minNtime: number;
  nbits: number;
}

/** A `mining.notify` sent to the channel's miners, and what a share on it is checked against. */
export interface Sv1JobEntry {
  /** increases with every Sv1 job the translator makes (all channels) */
  readonly seq: number;
  readonly sv1: Sv1Job;
  readonly job: ChannelJob;
  /** coinb1's tail: the prefix and pad this job was built with */
  readonly extranoncePad: number;
  readonly prevHashEpoch: number;
  readonly prefixEpoch: number;
  line: string;
  /** the same notify with clean_jobs set, for a miner that joins mid-job */
  cleanLine: string | null;
}

export interface ChannelStats {
  sharesSubmitted: number;
  sharesAcknowledged: number;
  sharesRejected: number;
  shareWorkSum: number;
  bestDifficulty: number;
  blocksFound: number;
}

export interface ChannelOpened {
  channelId: number;
  groupChannelId: number;
  target: Uint8Array;
  extranonceSize: number;
  extranoncePrefix: Uint8Array;
}

/** Shares sent upstream and not yet acknowledged, kept for attributing answers; the oldest go first. */
const MAX_PENDING_SHARES = 4096;

export interface PendingShare {
  minerId: number;
  difficulty: number;
}

export class UpstreamChannel {
  readonly channelId: number;
  groupChannelId: number;
  readonly userIdentity: string;
  readonly extranonceSize: number;
  extranoncePrefix: Uint8Array;
  /** extranonce bytes before extranonce1 that the translator leaves at zero */
  readonly padSize: number;
  target: Uint8Array;
  nominalHashrate: number;
  readonly stats: ChannelStats = { sharesSubmitted: 0, sharesAcknowledged: 0, sharesRejected: 0, shareWorkSum: 0, bestDifficulty: 0, blocksFound: 0 };
  /** set when the upstream connection is gone: jobs stay for keep-alive, shares are not forwarded */
  orphaned = false;
  /** the miners mining on this channel (one in non-aggregated mode) */
  readonly miners = new Set<MinerSession>();

  private readonly jobs = new Map<number, ChannelJob>();
  private prev: PrevHash | null = null;
  private active: ChannelJob | null = null;
  private readonly sv1Jobs = new Map<string, Sv1JobEntry>();
  private currentEntry: Sv1JobEntry | null = null;
  private prevHashEpoch = 0;
  private prefixEpoch = 0;
  private nextSequence = 0;
  private readonly pending = new Map<number, PendingShare>();
  /** Date.now() of the last notify made for this channel */
  lastNotifyAt = 0;

  constructor(
    opened: ChannelOpened,
    userIdentity: string,
    nominalHashrate: number,
    extranonce1Size: number,
    extranonce2Size: number,
    private readonly maxPastJobs: number,
    private readonly maxFutureJobs = 16,
  ) {
    this.channelId = opened.channelId;
    this.groupChannelId = opened.groupChannelId;
    this.userIdentity = userIdentity;
    this.extranonceSize = opened.extranonceSize;
    this.extranoncePrefix = opened.extranoncePrefix;
    this.target = opened.target;
    this.nominalHashrate = nominalHashrate;
    this.padSize = opened.extranonceSize - extranonce1Size - extranonce2Size;
    if (this.padSize < 0) {
      throw new RangeError(`the pool granted ${opened.extranonceSize} extranonce bytes; ${extranonce1Size + extranonce2Size} are needed`);
    }
  }

  get current(): Sv1JobEntry | null {
    return this.currentEntry;
  }

  get prevHash(): PrevHash | null {
    return this.prev;
  }

  get activeJob(): ChannelJob | null {
    return this.active;
  }

  sv1Job(jobId: string): Sv1JobEntry | undefined {
    return this.sv1Jobs.get(jobId);
  }

  /** Whether a share on `entry` can still go upstream (same block, same prefix, live connection). */
  isCurrent(entry: Sv1JobEntry): boolean {
    return entry.prevHashEpoch === this.prevHashEpoch && entry.prefixEpoch === this.prefixEpoch;
  }

  get epoch(): number {
    return this.prevHashEpoch;
  }

  /** NewExtendedMiningJob: returns the job when it is active at once (not a future job). */
  addJob(m: Messages['NewExtendedMiningJob']): ChannelJob | null {
    const job: ChannelJob = {
      jobId: m.jobId,
      version: m.version,
      versionRollingAllowed: m.versionRollingAllowed,
      // copied: decoded fields are views into the frame buffer
      merklePath: m.merklePath.map((n) => Uint8Array.from(n)),
      coinbaseTxPrefix: Uint8Array.from(m.coinbaseTxPrefix),
      coinbaseTxSuffix: Uint8Array.from(m.coinbaseTxSuffix),
      minNtime: m.minNtime,
      target: this.target,
    };
    if (m.minNtime === null) {
      this.jobs.set(job.jobId, job);
      // a pool that only ever sends future jobs must not grow this map without bound
      while (this.jobs.size > this.maxFutureJobs + 1) this.jobs.delete(this.jobs.keys().next().value!);
      return null;
    }
    if (this.prev === null) {
      // active job before any prev hash: nothing to mine it on yet; keep it for the next SetNewPrevHash
      this.jobs.set(job.jobId, job);
      return null;
    }
    this.jobs.set(job.jobId, job);
    this.active = job;
    return job;
  }

  /** SetNewPrevHash: activates the named job; every other job is now invalid. Null if the job is unknown. */
  setPrevHash(m: Messages['SetNewPrevHash']): ChannelJob | null {
    const job = this.jobs.get(m.jobId) ?? null;
    this.prev = { jobId: m.jobId, prevHash: Uint8Array.from(m.prevHash), minNtime: m.minNtime, nbits: m.nbits };
    this.prevHashEpoch++;
    this.jobs.clear();
    this.sv1Jobs.clear();
    this.currentEntry = null;
    this.active = job;
    if (job !== null) {
      job.minNtime = m.minNtime;
      this.jobs.set(job.jobId, job);
    }
    return job;
  }

  /** SetTarget: new jobs and future jobs get it; jobs already active keep theirs. */
  setTarget(target: Uint8Array): void {
    this.target = Uint8Array.from(target);
    for (const job of this.jobs.values()) if (job.minNtime === null) job.target = this.target;
  }

  /** SetExtranoncePrefix: Sv1 jobs made with the old prefix can no longer be submitted. */
  setExtranoncePrefix(prefix: Uint8Array): void {
    this.extranoncePrefix = Uint8Array.from(prefix);
    this.prefixEpoch++;
    this.sv1Jobs.clear();
    this.currentEntry = null;
  }

  /** Makes the Sv1 job for an active Sv2 job; `ntime` overrides the advertised time (keep-alive). */
  makeSv1Job(job: ChannelJob, seq: number, cleanJobs: boolean, now: number, ntime?: number): Sv1JobEntry {
    const prev = this.prev!;
    const sv1Id = seq.toString(16);
    const sv1 = sv1JobFromSv2(
      job,
      prev,
      ntime === undefined
        ? { extranoncePrefix: this.coinb1Tail(), jobId: sv1Id, cleanJobs }
        : { extranoncePrefix: this.coinb1Tail(), jobId: sv1Id, cleanJobs, ntime },
    );
    const entry: Sv1JobEntry = {
      seq,
      sv1,
      job,
      extranoncePad: this.padSize,
      prevHashEpoch: this.prevHashEpoch,
      prefixEpoch: this.prefixEpoch,
      line: buildNotify(sv1),
      cleanLine: null,
    };
    if (cleanJobs) entry.cleanLine = entry.line;
    this.sv1Jobs.set(sv1Id, entry);
    while (this.sv1Jobs.size > this.maxPastJobs) this.sv1Jobs.delete(this.sv1Jobs.keys().next().value!);
    this.currentEntry = entry;
    this.lastNotifyAt = now;
    return entry;
  }

  /** The notify for a miner joining now: the current job with clean_jobs set. */
  joinLine(): string | null {
    const e = this.currentEntry;
    if (e === null) return null;
    if (e.cleanLine === null) e.cleanLine = buildNotify({ ...e.sv1, cleanJobs: true });
    return e.cleanLine;
  }

  /** Sequence number for the next SubmitSharesExtended, remembering whose share it is. */
  nextShare(share: PendingShare): number {
    const seq = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) >>> 0;
    this.pending.set(seq, share);
    if (this.pending.size > MAX_PENDING_SHARES) this.pending.delete(this.pending.keys().next().value!);
    this.stats.sharesSubmitted++;
    return seq;
  }

  /** SubmitShares.Error: whose share it was. */
  takeRejected(sequenceNumber: number): PendingShare | undefined {
    const share = this.pending.get(sequenceNumber);
    this.pending.delete(sequenceNumber);
    this.stats.sharesRejected++;
    return share;
  }

  /** SubmitShares.Success: every pending share up to `lastSequenceNumber` was accepted. */
  takeAccepted(lastSequenceNumber: number, count: number): PendingShare[] {
    const accepted: PendingShare[] = [];
    for (const [seq, share] of this.pending) {
      if (seq > lastSequenceNumber) break;
      accepted.push(share);
      this.pending.delete(seq);
    }
    this.stats.sharesAcknowledged += count;
    return accepted;
  }

  private coinb1Tail(): Uint8Array {
    if (this.padSize === 0) return this.extranoncePrefix;
    const tail = new Uint8Array(this.extranoncePrefix.length + this.padSize);
    tail.set(this.extranoncePrefix, 0);
    return tail;
  }
}
