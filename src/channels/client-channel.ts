/**
 * The downstream side of a channel (CPU miner, translator, JD client, proxy): the jobs the
 * upstream sent, which one is active, the target that applies to each, and the header to hash
 * for a share, so no role re-implements it.
 *
 * SetTarget applies to jobs received after it and to future jobs already received, never to a
 * job that was already active (spec, SetTarget); each job carries its own target for that.
 */
import { concatBytes } from '../bitcoin/bytes.js';
import { jobMerkleRoot } from '../bitcoin/coinbase.js';
import { HEADER_SIZE, writeHeader } from '../bitcoin/header.js';
import { sha256d } from '../bitcoin/hash.js';
import type { Target } from '../bitcoin/target.js';
import { hashMeetsTarget } from '../bitcoin/target.js';
import { MiningErrorCode, VERSION_ROLLING_MASK } from '../messages/mining.js';
import type { Messages } from '../messages/registry.js';
import type { ChainTip } from './chain-tip.js';
import { chainTipFromMining } from './chain-tip.js';
import { ChannelError } from './errors.js';
import { MAX_EXTRANONCE_LENGTH } from './extranonce.js';
import type { JobStoreLimits } from './job-store.js';
import { DEFAULT_JOB_STORE_LIMITS, JobStore } from './job-store.js';
import type { ShareErrorCode } from './share-result.js';

export interface ClientJob {
  readonly jobId: number;
  readonly version: number;
  readonly versionRollingAllowed: boolean;
  /** null while the job is a future job. */
  minNtime: number | null;
  /** The target this job's shares must meet. */
  target: Target;
  /** The channel's extranonce prefix when the job arrived. */
  readonly extranoncePrefix: Uint8Array;
  /** Standard jobs (and a group's extended job seen by a standard channel): the fixed merkle root. */
  readonly merkleRoot: Uint8Array | null;
  /** Extended jobs: path and the stripped coinbase around the full extranonce. */
  readonly merklePath: readonly Uint8Array[];
  readonly coinbasePrefix: Uint8Array;
  readonly coinbaseSuffix: Uint8Array;
}

export interface ClientChannelOptions {
  channelId: number;
  extranoncePrefix: Uint8Array;
  /** The extranonce_size an extended channel was granted; 0 (the default) for a standard channel. */
  extranonceSize?: number;
  /** The target from Open*Success. */
  target: Target;
  groupChannelId?: number;
  jobStoreLimits?: Partial<JobStoreLimits>;
}

/** The outcome of hashing a candidate share locally. */
export interface ShareCheck {
  readonly hash: Uint8Array;
  readonly header: Uint8Array;
  /** hash ≤ the job's target: worth submitting. */
  readonly meetsTarget: boolean;
  /** hash ≤ the network target: a block. */
  readonly isBlock: boolean;
}

export interface ShareFields {
  nonce: number;
  ntime: number;
  version: number;
  /** The rolled extranonce (extended channels); its length must be `extranonceSize`. */
  extranonce?: Uint8Array;
}

/** The NewMiningJob a proxy sends a standard downstream for an extended job, given that channel's prefix. */
export function standardJobFromExtended(m: Messages['NewExtendedMiningJob'], channelId: number, extranoncePrefix: Uint8Array): Messages['NewMiningJob'] {
  return {
    channelId,
    jobId: m.jobId,
    minNtime: m.minNtime,
    version: m.version,
    merkleRoot: jobMerkleRoot(m.coinbaseTxPrefix, extranoncePrefix, m.coinbaseTxSuffix, m.merklePath),
  };
}

const EMPTY = new Uint8Array(0);

export class ClientChannel {
  readonly channelId: number;
  readonly extranonceSize: number;
  readonly groupChannelId: number;
  private readonly store: JobStore<ClientJob>;
  private prefix: Uint8Array;
  private targetState: Target;
  private tipState: ChainTip | null = null;

  constructor(opts: ClientChannelOptions) {
    const size = opts.extranonceSize ?? 0;
    if (!Number.isInteger(size) || size < 0 || opts.extranoncePrefix.length + size > MAX_EXTRANONCE_LENGTH) {
      throw new ChannelError('invalid-extranonce-size', `extranonce prefix ${opts.extranoncePrefix.length} + size ${size} is over ${MAX_EXTRANONCE_LENGTH} bytes`);
    }
    this.channelId = opts.channelId;
    this.extranonceSize = size;
    this.groupChannelId = opts.groupChannelId ?? 0;
    this.prefix = opts.extranoncePrefix;
    this.targetState = opts.target;
    this.store = new JobStore({ ...DEFAULT_JOB_STORE_LIMITS, ...opts.jobStoreLimits });
  }

  get kind(): 'standard' | 'extended' {
    return this.extranonceSize === 0 ? 'standard' : 'extended';
  }

  get extranoncePrefix(): Uint8Array {
    return this.prefix;
  }

  /** The target jobs received from now on get. */
  get target(): Target {
    return this.targetState;
  }

  get tip(): ChainTip | null {
    return this.tipState;
  }

  /** The job to mine: the last activated one. */
  get activeJob(): ClientJob | null {
    return this.store.active;
  }

  /** An active or past job (shares may be submitted for it). */
  job(jobId: number): ClientJob | undefined {
    return this.store.lookup(jobId);
  }

  futureJob(jobId: number): ClientJob | undefined {
    return this.store.future(jobId);
  }

  isStale(jobId: number): boolean {
    return this.store.isStale(jobId);
  }

  onNewMiningJob(m: Messages['NewMiningJob']): ClientJob {
    if (this.kind !== 'standard') throw new ChannelError('invalid-job', `NewMiningJob on extended channel ${this.channelId}`);
    return this.keep({
      jobId: m.jobId,
      version: m.version,
      versionRollingAllowed: true,
      minNtime: m.minNtime,
      target: this.targetState,
      extranoncePrefix: this.prefix,
      merkleRoot: m.merkleRoot,
      merklePath: [],
      coinbasePrefix: EMPTY,
      coinbaseSuffix: EMPTY,
    });
  }

  /**
   * NewExtendedMiningJob for this channel or its group. A standard channel (a group member on a
   * proxy connection) turns it into a standard job with its own prefix.
   */
  onNewExtendedMiningJob(m: Messages['NewExtendedMiningJob']): ClientJob {
    const standard = this.kind === 'standard';
    return this.keep({
      jobId: m.jobId,
      version: m.version,
      versionRollingAllowed: m.versionRollingAllowed,
      minNtime: m.minNtime,
      target: this.targetState,
      extranoncePrefix: this.prefix,
      merkleRoot: standard ? jobMerkleRoot(m.coinbaseTxPrefix, this.prefix, m.coinbaseTxSuffix, m.merklePath) : null,
      merklePath: m.merklePath,
      coinbasePrefix: m.coinbaseTxPrefix,
      coinbaseSuffix: m.coinbaseTxSuffix,
    });
  }

  /** Activates the future job it names; every other queued job becomes invalid. */
  onSetNewPrevHash(m: Messages['SetNewPrevHash']): ClientJob {
    const tip = chainTipFromMining(m);
    const job = this.store.activateFuture(m.jobId);
    if (job === undefined) throw new ChannelError('unknown-job', `SetNewPrevHash names job ${m.jobId}, not a future job of channel ${this.channelId}`);
    job.minNtime = m.minNtime;
    this.tipState = tip;
    return job;
  }

  /** The new target applies to jobs received later and to future jobs already here. */
  onSetTarget(m: Messages['SetTarget']): void {
    this.targetState = m.maximumTarget;
    for (const job of this.store.futureJobs()) job.target = m.maximumTarget;
  }

  /** Jobs received after it use the new prefix; earlier jobs keep theirs. */
  onSetExtranoncePrefix(m: Messages['SetExtranoncePrefix']): void {
    if (m.extranoncePrefix.length + this.extranonceSize > MAX_EXTRANONCE_LENGTH) {
      throw new ChannelError('invalid-extranonce-prefix', `extranonce prefix of ${m.extranoncePrefix.length} bytes leaves no room for ${this.extranonceSize}`);
    }
    this.prefix = m.extranoncePrefix;
  }

  /** The job's merkle root: fixed for standard jobs, from the extranonce for extended ones. */
  merkleRoot(job: ClientJob, extranonce?: Uint8Array): Uint8Array {
    if (job.merkleRoot !== null) return job.merkleRoot;
    if (extranonce === undefined || extranonce.length !== this.extranonceSize) {
      throw new ChannelError(MiningErrorCode.BadExtranonceSize, `extended job ${job.jobId} needs a ${this.extranonceSize}-byte extranonce`);
    }
    return jobMerkleRoot(job.coinbasePrefix, [job.extranoncePrefix, extranonce], job.coinbaseSuffix, job.merklePath);
  }

  /** The full coinbase (stripped form) a share's extranonce yields, e.g. for a translator's checks. */
  coinbase(job: ClientJob, extranonce: Uint8Array = EMPTY): Uint8Array {
    return concatBytes(job.coinbasePrefix, job.extranoncePrefix, extranonce, job.coinbaseSuffix);
  }

  /**
   * The 80-byte header for a share on `job` at the current tip. A CPU miner calls it once per
   * extranonce/nTime and then only rewrites the nonce (bytes 76..79, little-endian).
   */
  header(job: ClientJob, fields: ShareFields, out: Uint8Array = new Uint8Array(HEADER_SIZE)): Uint8Array {
    const tip = this.tipState;
    if (tip === null || job.minNtime === null) throw new ChannelError('no-chain-tip', `job ${job.jobId} is not active`);
    writeHeader(out, 0, fields.version, tip.prevHash, this.merkleRoot(job, fields.extranonce), fields.ntime, tip.nbits, fields.nonce);
    return out;
  }

  /**
   * Checks a candidate share before it goes upstream (what a proxy does with its downstream's
   * shares): the job, the extranonce size, nTime and version rules, then the hash against the
   * job's target and the network target. Returns the error code a pool would answer with.
   */
  checkShare(jobId: number, fields: ShareFields): ShareCheck | ShareErrorCode {
    const job = this.store.lookup(jobId);
    if (job === undefined) return this.store.isStale(jobId) ? MiningErrorCode.StaleShare : MiningErrorCode.InvalidJobId;
    if (job.merkleRoot === null && fields.extranonce?.length !== this.extranonceSize) return MiningErrorCode.BadExtranonceSize;
    if (fields.ntime < job.minNtime!) return MiningErrorCode.InvalidShare;
    const mask = job.versionRollingAllowed ? VERSION_ROLLING_MASK : 0;
    if (((fields.version ^ job.version) & ~mask) !== 0) {
      return job.versionRollingAllowed ? MiningErrorCode.InvalidNonRollableVersionBit : MiningErrorCode.VersionRollingNotAllowed;
    }
    const header = this.header(job, fields);
    const hash = sha256d(header);
    return { hash, header, meetsTarget: hashMeetsTarget(hash, job.target), isBlock: hashMeetsTarget(hash, this.tipState!.networkTarget) };
  }

  private keep(job: ClientJob): ClientJob {
    if (job.minNtime === null) {
      this.store.addFuture(job.jobId, job);
    } else {
      if (this.tipState === null) throw new ChannelError('no-chain-tip', `job ${job.jobId} is active but channel ${this.channelId} has no prev hash yet`);
      this.store.setActive(job);
    }
    return job;
  }
}
