/**
 * What standard and extended channels have in common on the upstream (pool / JD client) side:
 * target and vardiff, the job store, the chain tip, and share validation. Subclasses only say how
 * a job's merkle root is found and which job message goes out.
 */
import { concatBytes, equalBytes } from '../bitcoin/bytes.js';
import { joinCoinbase } from '../bitcoin/coinbase.js';
import { MAX_FUTURE_BLOCK_TIME } from '../bitcoin/header.js';
import { HeaderHasher } from '../bitcoin/header-hasher.js';
import type { Target } from '../bitcoin/target.js';
import { compareTargets, difficultyFromHash, difficultyFromTarget, hashMeetsTarget, hashrateToTarget } from '../bitcoin/target.js';
import { MiningErrorCode, VERSION_ROLLING_MASK } from '../messages/mining.js';
import type { Messages } from '../messages/registry.js';
import type { ChainTip } from './chain-tip.js';
import { chainTip } from './chain-tip.js';
import { ChannelError } from './errors.js';
import type { JobStoreLimits } from './job-store.js';
import { DEFAULT_JOB_STORE_LIMITS, JobIdSequence, JobStore } from './job-store.js';
import { SeenShares, ShareAccounting } from './share-accounting.js';
import type { BlockFound, ShareErrorCode, ShareResult } from './share-result.js';
import { shareError, TOO_MANY_SHARES } from './share-result.js';
import { Vardiff } from './vardiff.js';
import type { Work } from './work.js';

export interface ServerChannelOptions {
  channelId: number;
  userIdentity: string;
  extranoncePrefix: Uint8Array;
  /** OpenMiningChannel.max_target: the easiest target the device accepts. Never exceeded. */
  maxTarget: Target;
  /** OpenMiningChannel.nominal_hash_rate (H/s). */
  nominalHashrate: number;
  /** The share rate targets are set for (and vardiff steers to). */
  sharesPerMinute: number;
  /** SubmitShares.Success goes out every this many accepted shares. */
  shareBatchSize: number;
  /** Unix seconds now (vardiff starts counting). */
  now: number;
  /** The group this channel reports in Open*Success (0: none). */
  groupChannelId?: number;
  /** The connection's job id sequence (shared with its groups); a private one otherwise. */
  jobIds?: JobIdSequence;
  jobStoreLimits?: Partial<JobStoreLimits>;
  /** Accepted share hashes remembered per prev hash for duplicate detection. */
  maxSeenShares?: number;
  /** Seconds a share's nTime may be ahead of `now` (default: 2 h). */
  maxNtimeFuture?: number;
  /** Vardiff's floor (H/s). */
  minHashrate?: number;
}

/** One job of one channel, as the server keeps it. */
export interface ServerJob {
  readonly jobId: number;
  readonly work: Work;
  /** The channel's extranonce prefix when the job was made (a later SetExtranoncePrefix does not change it). */
  readonly extranoncePrefix: Uint8Array;
  readonly versionRollingAllowed: boolean;
  /**
   * Standard jobs: the merkle root, computed once, when first needed (a NewMiningJob, or the first
   * share: a job broadcast to a group may never get one from this channel). Extended jobs: null
   * (it depends on the share).
   */
  merkleRoot: Uint8Array | null;
  /** Extended jobs: stripped prefix ‖ extranonce prefix ‖ (extranonce) ‖ stripped suffix, rewritten per share. */
  readonly coinbaseScratch: Uint8Array | null;
  /** min_ntime once active; null while the job is a future job. */
  minNtime: number | null;
  /** The target its shares are held to: the channel's target when the job became active (spec §SetTarget). */
  target: Target;
  difficulty: number;
}

export interface AddJobOptions {
  /** Send as a future job even when the template is not one (a channel's first job must be). */
  future?: boolean;
  /** Use this job id (a group's broadcast job); otherwise the next one of the sequence. */
  jobId?: number;
}

function checkTarget(target: Target, what: string): void {
  if (target.length !== 32) throw new ChannelError(MiningErrorCode.MaxTargetOutOfRange, `${what} must be 32 bytes, got ${target.length}`);
  if (target.every((b) => b === 0)) throw new ChannelError(MiningErrorCode.MaxTargetOutOfRange, `${what} of zero can never be met`);
}

/** The lower (harder) of two targets. */
function harder(a: Target, b: Target): Target {
  return compareTargets(a, b) <= 0 ? a : b;
}

export abstract class ServerChannel {
  readonly channelId: number;
  readonly userIdentity: string;
  readonly sharesPerMinute: number;
  readonly groupChannelId: number;
  readonly accounting: ShareAccounting;
  protected readonly store: JobStore<ServerJob>;
  protected readonly jobIds: JobIdSequence;
  protected readonly seen: SeenShares;
  protected readonly vardiff: Vardiff;
  protected readonly maxNtimeFuture: number;
  protected tipState: ChainTip | null = null;
  private previousTip: ChainTip | null = null;
  /** The last block this channel's shares found (the tip it makes must not credit that share twice). */
  private creditedBlock: Uint8Array | null = null;
  protected prefix: Uint8Array;
  private maxTargetState: Target;
  private targetState: Target;
  private difficultyState: number;
  private hashrateState: number;
  private readonly retired: Uint8Array[] = [];
  /** Shares of one job reuse the header's first-block midstate (job roots and tips are never changed in place). */
  private readonly hasher = new HeaderHasher();

  constructor(opts: ServerChannelOptions) {
    this.channelId = opts.channelId;
    this.userIdentity = opts.userIdentity;
    this.prefix = opts.extranoncePrefix;
    this.sharesPerMinute = opts.sharesPerMinute;
    this.groupChannelId = opts.groupChannelId ?? 0;
    checkTarget(opts.maxTarget, 'max_target');
    this.maxTargetState = opts.maxTarget;
    this.hashrateState = opts.nominalHashrate;
    this.targetState = harder(this.targetForHashrate(opts.nominalHashrate), opts.maxTarget);
    this.difficultyState = difficultyFromTarget(this.targetState);
    this.accounting = new ShareAccounting(opts.channelId, opts.shareBatchSize);
    this.store = new JobStore({ ...DEFAULT_JOB_STORE_LIMITS, ...opts.jobStoreLimits });
    this.jobIds = opts.jobIds ?? new JobIdSequence();
    this.seen = new SeenShares(opts.maxSeenShares);
    this.vardiff = new Vardiff({ sharesPerMinute: opts.sharesPerMinute, minHashrate: opts.minHashrate, now: opts.now });
    this.maxNtimeFuture = opts.maxNtimeFuture ?? MAX_FUTURE_BLOCK_TIME;
  }

  /** The extranonce bytes the coinbase leaves room for; a job's Work must have been built for it. */
  abstract get fullExtranonceSize(): number;

  get extranoncePrefix(): Uint8Array {
    return this.prefix;
  }

  /** The target new jobs get. */
  get target(): Target {
    return this.targetState;
  }

  /** Difficulty of `target` (diff1 / target). */
  get difficulty(): number {
    return this.difficultyState;
  }

  get maxTarget(): Target {
    return this.maxTargetState;
  }

  get nominalHashrate(): number {
    return this.hashrateState;
  }

  get tip(): ChainTip | null {
    return this.tipState;
  }

  get activeJob(): ServerJob | null {
    return this.store.active;
  }

  job(jobId: number): ServerJob | undefined {
    return this.store.lookup(jobId);
  }

  hasFutureJob(templateId: bigint): boolean {
    return this.store.future(templateId) !== undefined;
  }

  /**
   * Records a job from `work` without building its message (a group broadcast it). Future
   * templates (or `opts.future`) wait for `setNewPrevHash`; others become active now.
   */
  recordJob(work: Work, opts: AddJobOptions = {}): ServerJob {
    if (opts.jobId !== undefined && this.store.holds(opts.jobId)) {
      throw new ChannelError('duplicate-job-id', `channel ${this.channelId} already holds job ${opts.jobId}`);
    }
    if (work.coinbase.extranonceSize !== this.fullExtranonceSize) {
      throw new ChannelError(
        'extranonce-size-mismatch',
        `channel ${this.channelId} needs work for a ${this.fullExtranonceSize}-byte extranonce, got ${work.coinbase.extranonceSize}`,
      );
    }
    const custom = work.customTip;
    if (custom !== null) {
      // A custom job names its own tip; a different prev hash makes every earlier job stale.
      if (opts.future === true) throw new ChannelError('invalid-job', 'a custom job cannot be a future job');
      const current = this.tipState;
      if (current === null || current.nbits !== custom.nbits || !equalBytes(current.prevHash, custom.prevHash)) {
        const tip = chainTip(custom.prevHash, custom.nbits, custom.minNtime);
        this.store.retireAll();
        this.onNewTip(tip);
      }
      const job = this.makeJob(work, opts.jobId ?? this.jobIds.next(), custom.minNtime);
      this.store.setActive(job);
      return job;
    }
    // An explicit `future: false` makes an active job even of a future template's work (a fresh job on the current tip).
    const future = opts.future ?? work.future;
    const tip = this.tipState;
    if (!future && tip === null) throw new ChannelError('no-chain-tip', `channel ${this.channelId} has no prev hash yet for a non-future job`);
    const job = this.makeJob(work, opts.jobId ?? this.jobIds.next(), future ? null : tip!.minNtime);
    if (future) this.store.addFuture(work.templateId!, job);
    else this.store.setActive(job);
    return job;
  }

  /**
   * The new prev hash from the Template Provider: the future job made from `templateId` becomes
   * active, all jobs of the old tip become stale, and the duplicate set starts afresh. Returns the
   * Mining SetNewPrevHash for this channel.
   */
  setNewPrevHash(templateId: bigint, tip: ChainTip): Messages['SetNewPrevHash'] {
    const job = this.store.activateFuture(templateId);
    if (job === undefined) throw new ChannelError('unknown-template', `channel ${this.channelId} has no future job for template ${templateId}`);
    this.onNewTip(tip);
    this.activate(job, tip.minNtime);
    return { channelId: this.channelId, jobId: job.jobId, prevHash: tip.prevHash, minNtime: tip.minNtime, nbits: tip.nbits };
  }

  /**
   * A new chain tip on a channel whose jobs are its client's own (a JD client's custom jobs): no
   * future job to activate, but every job of the old tip goes stale, as SetNewPrevHash would do.
   */
  onChainTip(tip: ChainTip): void {
    const t = this.tipState;
    if (t !== null && t.nbits === tip.nbits && equalBytes(t.prevHash, tip.prevHash)) return;
    this.store.retireAll();
    this.onNewTip(tip);
  }

  /**
   * Validates a share. `extranonce` is null for standard shares. `now` is unix seconds for the
   * nTime upper bound. Accepted shares are counted for vardiff and the next SubmitShares.Success.
   */
  protected validate(
    sequenceNumber: number,
    jobId: number,
    nonce: number,
    ntime: number,
    version: number,
    extranonce: Uint8Array | null,
    now: number,
  ): ShareResult {
    const job = this.store.lookup(jobId);
    if (job === undefined) {
      if (!this.store.isStale(jobId)) return this.reject(sequenceNumber, MiningErrorCode.InvalidJobId);
      return this.lateBlockShare(sequenceNumber, jobId, nonce, ntime, version, extranonce) ?? this.reject(sequenceNumber, MiningErrorCode.StaleShare);
    }
    if (extranonce !== null && extranonce.length !== this.fullExtranonceSize - job.extranoncePrefix.length) {
      return this.reject(sequenceNumber, MiningErrorCode.BadExtranonceSize);
    }
    const tip = this.tipState!;
    if (ntime < job.minNtime! || ntime > now + this.maxNtimeFuture) return this.reject(sequenceNumber, MiningErrorCode.InvalidShare);
    const mask = job.versionRollingAllowed ? VERSION_ROLLING_MASK : 0;
    if (((version ^ job.work.version) & ~mask) !== 0) {
      return this.reject(sequenceNumber, job.versionRollingAllowed ? MiningErrorCode.InvalidNonRollableVersionBit : MiningErrorCode.VersionRollingNotAllowed);
    }

    const merkleRoot = job.merkleRoot ?? this.merkleRootFor(job, extranonce!);
    const hash = this.hasher.hash(version, tip.prevHash, merkleRoot, ntime, tip.nbits, nonce);
    const isBlock = hashMeetsTarget(hash, tip.networkTarget);
    let difficulty: number;
    if (hashMeetsTarget(hash, job.target)) {
      difficulty = job.difficulty;
    } else if (compareTargets(this.targetState, job.target) > 0 && hashMeetsTarget(hash, this.targetState)) {
      // The channel's target was eased after this job went out and the miner already applied it.
      difficulty = this.difficultyState;
    } else if (isBlock) {
      difficulty = job.difficulty;
    } else {
      return this.reject(sequenceNumber, MiningErrorCode.DifficultyTooLow);
    }
    const seen = this.seen.add(hash);
    if (seen === 'duplicate') return this.reject(sequenceNumber, MiningErrorCode.DuplicateShare);
    // A block is worth more than the bookkeeping: it is taken even when the table is full (and ends the prev hash).
    if (seen === 'full' && !isBlock) return this.reject(sequenceNumber, TOO_MANY_SHARES);

    this.vardiff.recordShare();
    let ack = this.accounting.accept(sequenceNumber, difficulty, difficultyFromHash(hash));
    let block: BlockFound | null = null;
    if (isBlock) {
      this.accounting.blocksFound++;
      ack = ack ?? this.accounting.flush();
      block = this.blockFound(job, hash, merkleRoot, version, ntime, nonce, extranonce);
      this.creditedBlock = hash;
    }
    return { ok: true, hash, difficulty, block, ack };
  }

  /**
   * A share on a job of the previous tip whose header is the block now at the tip: the share that
   * found it, overtaken by its own block (a JD client sends the block to its node as well, and the
   * new tip can reach the pool first). It is credited, once; the block is already in the chain.
   */
  private lateBlockShare(sequenceNumber: number, jobId: number, nonce: number, ntime: number, version: number, extranonce: Uint8Array | null): ShareResult | null {
    const tip = this.tipState;
    const previous = this.previousTip;
    const job = this.store.previousLookup(jobId);
    if (tip === null || previous === null || job === undefined) return null;
    if (extranonce !== null && extranonce.length !== this.fullExtranonceSize - job.extranoncePrefix.length) return null;
    const hash = this.hasher.hash(version, previous.prevHash, job.merkleRoot ?? this.merkleRootFor(job, extranonce!), ntime, previous.nbits, nonce);
    if (!equalBytes(hash, tip.prevHash)) return null;
    if (this.creditedBlock !== null && equalBytes(this.creditedBlock, hash)) return this.reject(sequenceNumber, MiningErrorCode.DuplicateShare);
    this.creditedBlock = hash;
    this.vardiff.recordShare();
    const ack = this.accounting.accept(sequenceNumber, job.difficulty, difficultyFromHash(hash));
    return { ok: true, hash, difficulty: job.difficulty, block: null, ack };
  }

  /** The SubmitShares.Success for shares accepted since the last one (for a timer), or null. */
  flushAck(): Messages['SubmitSharesSuccess'] | null {
    return this.accounting.flush();
  }

  /**
   * Sets the target for new jobs, clamped to the channel's max target; returns the SetTarget to
   * send (null when nothing changed). Jobs already active keep their target, as the spec says.
   */
  setTarget(target: Target): Messages['SetTarget'] | null {
    checkTarget(target, 'target');
    const next = harder(target, this.maxTargetState);
    if (compareTargets(next, this.targetState) === 0) return null;
    this.targetState = next;
    this.difficultyState = difficultyFromTarget(next);
    // Future jobs take the target they activate with; update their copies for readers.
    for (const job of this.store.futureJobs()) {
      job.target = next;
      job.difficulty = this.difficultyState;
    }
    return { channelId: this.channelId, maximumTarget: next };
  }

  /**
   * UpdateChannel from the client: a new nominal hashrate and maximum target. Throws
   * ChannelError `invalid-nominal-hashrate` / `max-target-out-of-range` for the UpdateChannel.Error.
   */
  updateChannel(nominalHashrate: number, maximumTarget: Target, now: number): Messages['SetTarget'] | null {
    checkTarget(maximumTarget, 'maximum_target');
    const target = this.targetForHashrate(nominalHashrate);
    this.maxTargetState = maximumTarget;
    this.hashrateState = nominalHashrate;
    this.vardiff.reset(now);
    return this.setTarget(target);
  }

  /**
   * Runs vardiff: when the share rate has drifted far enough from `sharesPerMinute`, the nominal
   * hashrate is re-estimated and the SetTarget for the new target is returned.
   */
  checkVardiff(now: number): Messages['SetTarget'] | null {
    const hashrate = this.vardiff.update(now, this.hashrateState, this.targetState);
    if (hashrate === null) return null;
    this.hashrateState = hashrate;
    return this.setTarget(this.targetForHashrate(hashrate));
  }

  /**
   * A new extranonce prefix for jobs made from now on (same length: the negotiated sizes hold).
   * Jobs already sent keep the old prefix until they go stale; `takeRetiredPrefixes` then hands
   * the old prefix back for release to the allocator.
   */
  setExtranoncePrefix(prefix: Uint8Array): Messages['SetExtranoncePrefix'] {
    if (prefix.length !== this.prefix.length) {
      throw new ChannelError('invalid-extranonce-prefix', `new extranonce prefix must be ${this.prefix.length} bytes like the old one, got ${prefix.length}`);
    }
    this.retired.push(this.prefix);
    this.prefix = prefix;
    return { channelId: this.channelId, extranoncePrefix: prefix };
  }

  /** Prefixes replaced by `setExtranoncePrefix` that no valid job uses any more (each returned once). */
  takeRetiredPrefixes(): Uint8Array[] {
    const inUse = (p: Uint8Array): boolean => {
      for (const job of this.store.validJobs()) if (job.extranoncePrefix === p) return true;
      for (const job of this.store.futureJobs()) if (job.extranoncePrefix === p) return true;
      return false;
    };
    const free = this.retired.filter((p) => !inUse(p));
    this.retired.splice(0, this.retired.length, ...this.retired.filter(inUse));
    return free;
  }

  protected onNewTip(tip: ChainTip): void {
    this.previousTip = this.tipState;
    this.tipState = tip;
    this.seen.clear();
  }

  /** Makes `job` active for the current tip with the channel's current target. */
  protected activate(job: ServerJob, minNtime: number): void {
    job.minNtime = minNtime;
    job.target = this.targetState;
    job.difficulty = this.difficultyState;
  }

  protected abstract makeJob(work: Work, jobId: number, minNtime: number | null): ServerJob;

  /** The merkle root a share of `job` commits to: a standard job's fixed one, or an extended job's from the share's extranonce. */
  protected abstract merkleRootFor(job: ServerJob, extranonce: Uint8Array): Uint8Array;

  protected newJob(work: Work, jobId: number, minNtime: number | null, versionRollingAllowed: boolean, merkleRoot: Uint8Array | null, coinbaseScratch: Uint8Array | null): ServerJob {
    return {
      jobId,
      work,
      extranoncePrefix: this.prefix,
      versionRollingAllowed,
      merkleRoot,
      coinbaseScratch,
      minNtime,
      target: this.targetState,
      difficulty: this.difficultyState,
    };
  }

  private reject(sequenceNumber: number, code: ShareErrorCode): ShareResult {
    this.accounting.reject(code);
    return shareError(this.channelId, sequenceNumber, code);
  }

  private targetForHashrate(hashrate: number): Target {
    if (!(hashrate >= 0)) throw new ChannelError(MiningErrorCode.InvalidNominalHashrate, `nominal hashrate must be a non-negative number, got ${hashrate}`);
    return hashrateToTarget(hashrate, this.sharesPerMinute);
  }

  private blockFound(
    job: ServerJob,
    hash: Uint8Array,
    merkleRoot: Uint8Array,
    version: number,
    ntime: number,
    nonce: number,
    extranonce: Uint8Array | null,
  ): BlockFound {
    const tip = this.tipState!;
    const full = extranonce === null ? job.extranoncePrefix.slice() : concatBytes(job.extranoncePrefix, extranonce);
    const cb = job.work.coinbase;
    return {
      templateId: job.work.templateId,
      jobId: job.jobId,
      header: this.hasher.header.slice(),
      hash,
      version,
      prevHash: tip.prevHash,
      ntime,
      nbits: tip.nbits,
      nonce,
      merkleRoot: merkleRoot.slice(),
      coinbase: joinCoinbase(cb.prefix, full, cb.suffix),
      extranonce: full,
      merklePath: job.work.merklePath,
    };
  }
}
