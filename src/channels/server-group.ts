/**
 * A group channel on the server: channels of one connection addressed together, so one
 * NewExtendedMiningJob / SetNewPrevHash reaches them all. Shares are still validated by each
 * member (their extranonce prefixes differ); the group only hands out a common job id and
 * builds the broadcast messages.
 *
 * On a connection that set REQUIRES_STANDARD_JOBS (end devices) nothing can be broadcast: every
 * member is a standard channel and gets its own NewMiningJob and SetNewPrevHash.
 */
import { MiningErrorCode } from '../messages/mining.js';
import type { Messages } from '../messages/registry.js';
import type { ChainTip } from './chain-tip.js';
import { ChannelError } from './errors.js';
import type { JobIdSequence } from './job-store.js';
import { ExtendedChannel } from './server-extended.js';
import type { StandardChannel } from './server-standard.js';
import type { Work } from './work.js';

export interface GroupChannelOptions {
  groupChannelId: number;
  /** The full extranonce length every member must have. */
  fullExtranonceSize: number;
  /** The connection's job id sequence, shared with the members. */
  jobIds: JobIdSequence;
  /** The connection set REQUIRES_STANDARD_JOBS: no broadcast, per-channel standard jobs. */
  requiresStandardJobs: boolean;
  /** version_rolling_allowed of broadcast jobs (false under REQUIRES_FIXED_VERSION). */
  versionRollingAllowed?: boolean;
  /** Future template ids remembered for SetNewPrevHash (default 16). */
  maxFutureJobs?: number;
}

export type GroupMember = StandardChannel | ExtendedChannel;

/** The messages one job makes for a group: a broadcast, or one NewMiningJob per member. */
export interface GroupJob {
  jobId: number;
  broadcast: Messages['NewExtendedMiningJob'] | null;
  perChannel: Messages['NewMiningJob'][];
}

export interface GroupPrevHash {
  broadcast: Messages['SetNewPrevHash'] | null;
  perChannel: Messages['SetNewPrevHash'][];
}

export class GroupChannel {
  readonly groupChannelId: number;
  readonly fullExtranonceSize: number;
  readonly requiresStandardJobs: boolean;
  readonly versionRollingAllowed: boolean;
  private readonly jobIds: JobIdSequence;
  private readonly members = new Map<number, GroupMember>();
  /** template id → the job id its future job got. */
  private readonly futureJobIds = new Map<bigint, number>();
  private readonly maxFutureJobs: number;
  private tipState: ChainTip | null = null;

  constructor(opts: GroupChannelOptions) {
    this.groupChannelId = opts.groupChannelId;
    this.fullExtranonceSize = opts.fullExtranonceSize;
    this.jobIds = opts.jobIds;
    this.requiresStandardJobs = opts.requiresStandardJobs;
    this.versionRollingAllowed = opts.versionRollingAllowed ?? true;
    this.maxFutureJobs = opts.maxFutureJobs ?? 16;
  }

  get tip(): ChainTip | null {
    return this.tipState;
  }

  get size(): number {
    return this.members.size;
  }

  channels(): IterableIterator<GroupMember> {
    return this.members.values();
  }

  has(channelId: number): boolean {
    return this.members.has(channelId);
  }

  /** Adds a channel; all members must share the full extranonce length. */
  add(channel: GroupMember): void {
    if (channel.channelId === this.groupChannelId) throw new ChannelError('invalid-channel-id', `channel id ${channel.channelId} is the group's own id`);
    if (channel.fullExtranonceSize !== this.fullExtranonceSize) {
      throw new ChannelError(
        'full-extranonce-size-mismatch',
        `channel ${channel.channelId} has a ${channel.fullExtranonceSize}-byte extranonce, group ${this.groupChannelId} ${this.fullExtranonceSize}`,
      );
    }
    if (channel.versionRollingAllowed !== this.versionRollingAllowed) {
      // Members validate the group's jobs with their own flag: it must be the one broadcast.
      throw new ChannelError('version-rolling-mismatch', `channel ${channel.channelId} and group ${this.groupChannelId} disagree on version rolling`);
    }
    if (this.requiresStandardJobs && channel instanceof ExtendedChannel) {
      throw new ChannelError(MiningErrorCode.ExtendedChannelsNotSupportedForStandardJobs, 'this connection requires standard jobs');
    }
    this.members.set(channel.channelId, channel);
  }

  remove(channelId: number): boolean {
    return this.members.delete(channelId);
  }

  /** The job id this group's future job for `templateId` got, if it has one. */
  futureJobId(templateId: bigint): number | undefined {
    return this.futureJobIds.get(templateId);
  }

  /** SetGroupChannel announcing the current members (not on REQUIRES_STANDARD_JOBS connections). */
  setGroupChannel(): Messages['SetGroupChannel'] {
    return { groupChannelId: this.groupChannelId, channelIds: [...this.members.keys()] };
  }

  /**
   * One job from `work` for every member under a common job id. Broadcast groups return the
   * NewExtendedMiningJob for the group id; standard-jobs groups one NewMiningJob per member.
   */
  addJob(work: Work, opts: { future?: boolean } = {}): GroupJob {
    const future = opts.future === true || work.future;
    // Check first so a failure leaves no member holding a job the others lack.
    if (work.coinbase.extranonceSize !== this.fullExtranonceSize) {
      throw new ChannelError('extranonce-size-mismatch', `group ${this.groupChannelId} needs work for a ${this.fullExtranonceSize}-byte extranonce, got ${work.coinbase.extranonceSize}`);
    }
    if (work.customTip !== null) throw new ChannelError('invalid-job', 'custom jobs go to one extended channel, not a group');
    if (!future && this.tipState === null) throw new ChannelError('no-chain-tip', `group ${this.groupChannelId} has no prev hash yet for a non-future job`);
    for (const member of this.members.values()) {
      if (!future && member.tip === null) throw new ChannelError('no-chain-tip', `channel ${member.channelId} has no prev hash yet for a non-future job`);
    }
    const jobId = this.jobIds.next();
    const perChannel: Messages['NewMiningJob'][] = [];
    for (const member of this.members.values()) {
      const job = member.recordJob(work, { future, jobId });
      if (this.requiresStandardJobs) perChannel.push((member as StandardChannel).jobMessage(job));
    }
    const minNtime = future ? null : this.tipState!.minNtime;
    if (future && work.templateId !== null) {
      this.futureJobIds.delete(work.templateId);
      this.futureJobIds.set(work.templateId, jobId);
      if (this.futureJobIds.size > this.maxFutureJobs) this.futureJobIds.delete(this.futureJobIds.keys().next().value!);
    }
    const broadcast: Messages['NewExtendedMiningJob'] | null = this.requiresStandardJobs
      ? null
      : {
          channelId: this.groupChannelId,
          jobId,
          minNtime,
          version: work.version,
          versionRollingAllowed: this.versionRollingAllowed,
          merklePath: work.merklePath as Uint8Array[],
          coinbaseTxPrefix: work.coinbase.strippedPrefix,
          coinbaseTxSuffix: work.coinbase.strippedSuffix,
        };
    return { jobId, broadcast, perChannel };
  }

  /**
   * The new prev hash for every member: each activates its future job for `templateId`. Members
   * without that job (joined later) are skipped; give them a job and their own SetNewPrevHash.
   */
  setNewPrevHash(templateId: bigint, tip: ChainTip): GroupPrevHash {
    const jobId = this.futureJobIds.get(templateId);
    if (jobId === undefined) throw new ChannelError('unknown-template', `group ${this.groupChannelId} has no future job for template ${templateId}`);
    this.futureJobIds.clear();
    this.tipState = tip;
    const perChannel: Messages['SetNewPrevHash'][] = [];
    for (const member of this.members.values()) {
      if (!member.hasFutureJob(templateId)) continue;
      const m = member.setNewPrevHash(templateId, tip);
      if (this.requiresStandardJobs) perChannel.push(m);
    }
    const broadcast = this.requiresStandardJobs
      ? null
      : { channelId: this.groupChannelId, jobId, prevHash: tip.prevHash, minNtime: tip.minNtime, nbits: tip.nbits };
    return { broadcast, perChannel };
  }
}
