/**
 * One upstream extended channel as the translator sees it: the Sv2 side is a `ClientChannel`
 * (jobs, active prev hash, targets, prefix, share check — src/channels), and on top of it the
 * Sv1 jobs (`mining.notify`) made from its jobs, the miners on it and the shares in flight.
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
import { ClientChannel } from '../../channels/index.js';
import type { ClientJob } from '../../channels/index.js';
import type { Messages } from '../../messages/index.js';
import { buildNotify, sv1JobFromSv2, targetToDifficulty } from '../../sv1/index.js';
import type { Sv1Job } from '../../sv1/index.js';
import type { MinerSession } from './miner.js';

/** A `mining.notify` sent to the channel's miners, and what a share on it is checked against. */
export interface Sv1JobEntry {
  /** increases with every Sv1 job the translator makes (all channels) */
  readonly seq: number;
  readonly sv1: Sv1Job;
  readonly job: ClientJob;
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

/** Shares sent upstream and not yet acknowledged, kept for attributing answers; the oldest go first. */
const MAX_PENDING_SHARES = 4096;

export interface PendingShare {
  minerId: number;
  difficulty: number;
}

export class UpstreamChannel {
  readonly sv2: ClientChannel;
  groupChannelId: number;
  readonly userIdentity: string;
  /** extranonce bytes before extranonce1 that the translator leaves at zero */
  readonly padSize: number;
  nominalHashrate: number;
  readonly stats: ChannelStats = { sharesSubmitted: 0, sharesAcknowledged: 0, sharesRejected: 0, shareWorkSum: 0, bestDifficulty: 0, blocksFound: 0 };
  /** set when the upstream connection is gone: jobs stay for keep-alive, shares are not forwarded */
  orphaned = false;
  /** the miners mining on this channel (one in non-aggregated mode) */
  readonly miners = new Set<MinerSession>();
  /** Date.now() of the last notify made for this channel */
  lastNotifyAt = 0;

  private readonly sv1Jobs = new Map<string, Sv1JobEntry>();
  private currentEntry: Sv1JobEntry | null = null;
  private nextSequence = 0;
  private difficultyCache: { target: Uint8Array; difficulty: number } | null = null;
  private readonly pending = new Map<number, PendingShare>();

  constructor(
    opened: Messages['OpenExtendedMiningChannelSuccess'],
    userIdentity: string,
    nominalHashrate: number,
    extranonce1Size: number,
    extranonce2Size: number,
    private readonly maxPastJobs: number,
  ) {
    this.padSize = opened.extranonceSize - extranonce1Size - extranonce2Size;
    if (this.padSize < 0) {
      throw new RangeError(`the pool granted ${opened.extranonceSize} extranonce bytes; ${extranonce1Size + extranonce2Size} are needed`);
    }
    this.sv2 = new ClientChannel({
      channelId: opened.channelId,
      extranoncePrefix: opened.extranoncePrefix,
      extranonceSize: opened.extranonceSize,
      target: opened.target,
      groupChannelId: opened.groupChannelId,
      jobStoreLimits: { maxPastJobs: maxPastJobs },
    });
    this.groupChannelId = opened.groupChannelId;
    this.userIdentity = userIdentity;
    this.nominalHashrate = nominalHashrate;
  }

  get channelId(): number {
    return this.sv2.channelId;
  }

  get extranonceSize(): number {
    return this.sv2.extranonceSize;
  }

  get extranoncePrefix(): Uint8Array {
    return this.sv2.extranoncePrefix;
  }

  get target(): Uint8Array {
    return this.sv2.target;
  }

  get current(): Sv1JobEntry | null {
    return this.currentEntry;
  }

  sv1Job(jobId: string): Sv1JobEntry | undefined {
    return this.sv1Jobs.get(jobId);
  }

  /** Whether shares on `entry` can still go upstream: its Sv2 job is active or past on the current prev hash. */
  isCurrent(entry: Sv1JobEntry): boolean {
    return this.sv2.job(entry.job.jobId) === entry.job;
  }

  /** A new prev hash drops every Sv1 job of the old one. */
  clearSv1Jobs(): void {
    this.sv1Jobs.clear();
    this.currentEntry = null;
  }

  /** Makes the Sv1 job for an active Sv2 job; `ntime` overrides the advertised time (keep-alive). */
  makeSv1Job(job: ClientJob, seq: number, cleanJobs: boolean, now: number, ntime?: number): Sv1JobEntry {
    const tip = this.sv2.tip!;
    const sv1Id = seq.toString(16);
    const options = { extranoncePrefix: this.coinb1Tail(job.extranoncePrefix), jobId: sv1Id, cleanJobs };
    const sv1 = sv1JobFromSv2(
      {
        jobId: job.jobId,
        minNtime: job.minNtime,
        version: job.version,
        versionRollingAllowed: job.versionRollingAllowed,
        merklePath: job.merklePath,
        coinbaseTxPrefix: job.coinbasePrefix,
        coinbaseTxSuffix: job.coinbaseSuffix,
      },
      tip,
      ntime === undefined ? options : { ...options, ntime },
    );
    const line = buildNotify(sv1);
    const entry: Sv1JobEntry = { seq, sv1, job, line, cleanLine: cleanJobs ? line : null };
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
    e.cleanLine ??= buildNotify({ ...e.sv1, cleanJobs: true });
    return e.cleanLine;
  }

  /** diff1 / target, remembered for the last target asked (the job's or the channel's: they rarely change). */
  difficultyOf(target: Uint8Array): number {
    const cached = this.difficultyCache;
    if (cached !== null && cached.target === target) return cached.difficulty;
    const difficulty = targetToDifficulty(target);
    this.difficultyCache = { target, difficulty };
    return difficulty;
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

  /** A miner's part of the channel extranonce before its extranonce2: the pad, then its extranonce1. */
  minerExtranonce(extranonce1: Uint8Array): Uint8Array {
    if (this.padSize === 0) return extranonce1;
    const out = new Uint8Array(this.padSize + extranonce1.length);
    out.set(extranonce1, this.padSize);
    return out;
  }

  private coinb1Tail(prefix: Uint8Array): Uint8Array {
    if (this.padSize === 0) return prefix;
    const tail = new Uint8Array(prefix.length + this.padSize);
    tail.set(prefix, 0);
    return tail;
  }
}
