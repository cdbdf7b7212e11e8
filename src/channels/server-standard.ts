/**
 * A standard channel on the server: header-only mining. The pool folds the channel's
 * extranonce_prefix (its whole extranonce) into the coinbase and sends the merkle root.
 */
import { jobMerkleRoot } from '../bitcoin/coinbase.js';
import type { Messages } from '../messages/registry.js';
import type { AddJobOptions, ServerChannelOptions, ServerJob } from './server-channel.js';
import { ServerChannel } from './server-channel.js';
import type { ShareResult } from './share-result.js';
import type { Work } from './work.js';

export interface StandardChannelOptions extends ServerChannelOptions {
  /** False when SetupConnection.Success carried REQUIRES_FIXED_VERSION; standard jobs roll otherwise. */
  versionRollingAllowed?: boolean;
}

export class StandardChannel extends ServerChannel {
  readonly kind = 'standard';
  readonly versionRollingAllowed: boolean;

  constructor(opts: StandardChannelOptions) {
    super(opts);
    this.versionRollingAllowed = opts.versionRollingAllowed ?? true;
  }

  get fullExtranonceSize(): number {
    return this.prefix.length;
  }

  /** OpenStandardMiningChannel.Success for this channel. */
  openSuccess(requestId: number): Messages['OpenStandardMiningChannelSuccess'] {
    return { requestId, channelId: this.channelId, target: this.target, extranoncePrefix: this.prefix, groupChannelId: this.groupChannelId };
  }

  /** Makes this channel's job from `work` and returns the NewMiningJob to send. */
  addJob(work: Work, opts?: AddJobOptions): Messages['NewMiningJob'] {
    return this.jobMessage(this.recordJob(work, opts));
  }

  jobMessage(job: ServerJob): Messages['NewMiningJob'] {
    return { channelId: this.channelId, jobId: job.jobId, minNtime: job.minNtime, version: job.work.version, merkleRoot: this.merkleRootFor(job) };
  }

  validateShare(share: Messages['SubmitSharesStandard'], now: number): ShareResult {
    return this.validate(share.sequenceNumber, share.jobId, share.nonce, share.ntime, share.version, null, now);
  }

  /** The root waits for its first use: a new template for a group of 10 000 channels would otherwise cost 10 000 coinbase hashes before its one broadcast. */
  protected makeJob(work: Work, jobId: number, minNtime: number | null): ServerJob {
    return this.newJob(work, jobId, minNtime, this.versionRollingAllowed, null, null);
  }

  /** The merkle root of one of this channel's jobs (what its NewMiningJob carries). */
  rootOf(job: ServerJob): Uint8Array {
    return this.merkleRootFor(job);
  }

  /** A standard job's fixed root, from the extranonce prefix the job was made with; computed on first use, then kept. */
  protected merkleRootFor(job: ServerJob): Uint8Array {
    if (job.merkleRoot === null) {
      const cb = job.work.coinbase;
      job.merkleRoot = jobMerkleRoot(cb.strippedPrefix, job.extranoncePrefix, cb.strippedSuffix, job.work.merklePath);
    }
    return job.merkleRoot;
  }
}
