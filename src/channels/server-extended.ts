/**
 * An extended channel on the server: the downstream rolls `extranonceSize` bytes after the
 * channel's prefix and computes merkle roots itself; the pool recomputes them per share.
 */
import { sha256d } from '../bitcoin/hash.js';
import { merkleRootFromPath } from '../bitcoin/merkle.js';
import type { Messages } from '../messages/registry.js';
import { ChannelError } from './errors.js';
import { MAX_EXTRANONCE_LENGTH } from './extranonce.js';
import type { AddJobOptions, ServerChannelOptions, ServerJob } from './server-channel.js';
import { ServerChannel } from './server-channel.js';
import type { ShareResult } from './share-result.js';
import type { Work } from './work.js';

export interface ExtendedChannelOptions extends ServerChannelOptions {
  /** Bytes the downstream rolls (OpenExtendedMiningChannel.Success.extranonce_size). */
  extranonceSize: number;
  /** NewExtendedMiningJob.version_rolling_allowed (false under REQUIRES_FIXED_VERSION). */
  versionRollingAllowed?: boolean;
}

export class ExtendedChannel extends ServerChannel {
  readonly kind = 'extended';
  readonly extranonceSize: number;
  readonly versionRollingAllowed: boolean;

  constructor(opts: ExtendedChannelOptions) {
    super(opts);
    const full = opts.extranoncePrefix.length + opts.extranonceSize;
    if (!Number.isInteger(opts.extranonceSize) || opts.extranonceSize < 0 || full > MAX_EXTRANONCE_LENGTH) {
      throw new ChannelError('invalid-extranonce-size', `extranonce prefix ${opts.extranoncePrefix.length} + size ${opts.extranonceSize} is over ${MAX_EXTRANONCE_LENGTH} bytes`);
    }
    this.extranonceSize = opts.extranonceSize;
    this.versionRollingAllowed = opts.versionRollingAllowed ?? true;
  }

  get fullExtranonceSize(): number {
    return this.prefix.length + this.extranonceSize;
  }

  /** OpenExtendedMiningChannel.Success for this channel. */
  openSuccess(requestId: number): Messages['OpenExtendedMiningChannelSuccess'] {
    return {
      requestId,
      channelId: this.channelId,
      target: this.target,
      extranonceSize: this.extranonceSize,
      extranoncePrefix: this.prefix,
      groupChannelId: this.groupChannelId,
    };
  }

  /** Makes this channel's job from `work` and returns the NewExtendedMiningJob to send. */
  addJob(work: Work, opts?: AddJobOptions): Messages['NewExtendedMiningJob'] {
    return this.jobMessage(this.recordJob(work, opts));
  }

  /**
   * A JD client's SetCustomMiningJob, turned into work with `workFromCustomJob`: it becomes the
   * active job (its prev hash becomes the tip). Returns the SetCustomMiningJob.Success.
   */
  addCustomJob(work: Work, requestId: number): Messages['SetCustomMiningJobSuccess'] {
    if (work.customTip === null) throw new ChannelError('invalid-job', 'not a custom job: use addJob');
    const job = this.recordJob(work);
    return { channelId: this.channelId, requestId, jobId: job.jobId };
  }

  jobMessage(job: ServerJob, channelId = this.channelId): Messages['NewExtendedMiningJob'] {
    const w = job.work;
    return {
      channelId,
      jobId: job.jobId,
      minNtime: job.minNtime,
      version: w.version,
      versionRollingAllowed: job.versionRollingAllowed,
      merklePath: w.merklePath as Uint8Array[],
      coinbaseTxPrefix: w.coinbase.strippedPrefix,
      coinbaseTxSuffix: w.coinbase.strippedSuffix,
    };
  }

  validateShare(share: Messages['SubmitSharesExtended'], now: number): ShareResult {
    return this.validate(share.sequenceNumber, share.jobId, share.nonce, share.ntime, share.version, share.extranonce, now);
  }

  protected makeJob(work: Work, jobId: number, minNtime: number | null): ServerJob {
    const cb = work.coinbase;
    // Assembled once; each share only writes its extranonce into the gap.
    const scratch = new Uint8Array(cb.strippedPrefix.length + cb.extranonceSize + cb.strippedSuffix.length);
    scratch.set(cb.strippedPrefix, 0);
    scratch.set(this.prefix, cb.strippedPrefix.length);
    scratch.set(cb.strippedSuffix, cb.strippedPrefix.length + cb.extranonceSize);
    return this.newJob(work, jobId, minNtime, this.versionRollingAllowed, null, scratch);
  }

  protected merkleRootFor(job: ServerJob, extranonce: Uint8Array): Uint8Array {
    const scratch = job.coinbaseScratch!;
    scratch.set(extranonce, job.work.coinbase.strippedPrefix.length + job.extranoncePrefix.length);
    return merkleRootFromPath(sha256d(scratch), job.work.merklePath);
  }
}
