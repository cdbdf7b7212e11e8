/**
 * The translator's channels on its pool connection: opening them (one OpenExtendedMiningChannel
 * per miner, or one aggregate for all), the requests in flight and their timeout, what a refusal
 * or a close by the pool leads to (fall back to the next pool, or drop the miner), closing them,
 * UpdateChannel's debounce, and the pool's channel-addressed messages (jobs, prev hash, target,
 * prefix, groups, share answers). It holds every channel a miner may still have a job of: the
 * open ones and the orphans kept for keep-alive jobs after the connection went away. Pure like
 * the core: time is passed in, and what miners see is left to the core.
 */
import type { Logger } from 'pino';
import { ChannelError } from '../../channels/index.js';
import type { ClientJob } from '../../channels/index.js';
import type { Messages } from '../../messages/index.js';
import { bytesToHex, targetToDifficulty } from '../../sv1/index.js';
import type { Sv2ShareFields } from '../../sv1/index.js';
import { UpstreamChannel } from './channel.js';
import type { PendingShare } from './channel.js';
import type { MinerSession } from './miner.js';
import { hashrateUpdateDue, MAX_UPSTREAM_TARGET as MAX_TARGET, type UpstreamAction, type UpstreamLink } from '../common/upstream.js';

/** Bytes of every upstream channel's extranonce the translator keeps for extranonce1: 65 536 miners per channel. */
/** The close reason of the translator's own stop. */
export const TRANSLATOR_STOPPING = 'shutting down';

export const EXTRANONCE1_SIZE = 2;
/** A pool that leaves OpenExtendedMiningChannel unanswered this long is treated as refusing it. */
export const OPEN_CHANNEL_TIMEOUT_MS = 10_000;

export interface UpstreamChannelsOptions {
  extranonce2Size: number;
  maxPastJobs: number;
  logger: Logger;
  /** requests to the connection manager (fall back to the next pool) */
  onUpstreamAction?: (action: UpstreamAction) => void;
  /** The nominal hashrate a channel opens with: the miner's, or (null) the aggregate of all ready miners. */
  nominalHashrate(miner: MinerSession | null): number;
}

interface UpstreamState {
  link: UpstreamLink;
  userIdentity: string;
  label: string;
  since: number;
}

/** An OpenExtendedMiningChannel in flight: for the aggregate channel (miner null) or one miner. */
interface PendingOpen {
  miner: MinerSession | null;
  sentAt: number;
}

/** An Sv2 job that became active on a channel: the Sv1 job to announce. */
export interface ActiveJob {
  channel: UpstreamChannel;
  job: ClientJob;
}

/** A channel the pool just opened, and the miner it is for (null: the aggregate channel). */
export interface OpenedChannel {
  channel: UpstreamChannel;
  miner: MinerSession | null;
}

export class UpstreamChannels {
  private readonly o: UpstreamChannelsOptions;
  private readonly log: Logger;
  private upstream: UpstreamState | null = null;
  private readonly open = new Map<number, UpstreamChannel>();
  /** every channel a miner may still hold a job of: open ones and orphans kept for keep-alive */
  private readonly tracked = new Set<UpstreamChannel>();
  private readonly pending = new Map<number, PendingOpen>();
  private aggregateChannel: UpstreamChannel | null = null;
  private aggregateRequest: number | null = null;
  private nextRequestId = 1;
  private readonly lastUpdate = new Map<UpstreamChannel, { at: number; hashrate: number }>();

  constructor(options: UpstreamChannelsOptions) {
    this.o = options;
    this.log = options.logger;
  }

  get connected(): boolean {
    return this.upstream !== null;
  }

  get label(): string | null {
    return this.upstream?.label ?? null;
  }

  get since(): number | null {
    return this.upstream?.since ?? null;
  }

  /** The open channels. */
  get channels(): IterableIterator<UpstreamChannel> {
    return this.open.values();
  }

  /** The channels (open or orphaned) whose miners have had no notify for `intervalMs`: their current job is due again. */
  keepaliveDue(now: number, intervalMs: number): ActiveJob[] {
    const due: ActiveJob[] = [];
    if (intervalMs <= 0) return due;
    for (const channel of this.tracked) {
      const current = channel.current;
      if (current !== null && now - channel.lastNotifyAt >= intervalMs && channel.miners.size > 0) due.push({ channel, job: current.job });
    }
    return due;
  }

  get aggregate(): UpstreamChannel | null {
    return this.aggregateChannel;
  }

  get(channelId: number): UpstreamChannel | undefined {
    return this.open.get(channelId);
  }

  /** The channels a channel-addressed message applies to: the channel, or every member of a group. */
  private resolve(channelId: number): UpstreamChannel[] {
    const channel = this.open.get(channelId);
    if (channel !== undefined) return [channel];
    const members: UpstreamChannel[] = [];
    for (const c of this.open.values()) if (c.groupChannelId === channelId) members.push(c);
    if (members.length === 0) this.log.debug({ channel: channelId }, 'message for an unknown channel');
    return members;
  }

  /** Forwards a share the pool holds to `upstreamTarget`, remembering whose it is for the pool's answer. */
  forward(channel: UpstreamChannel, minerId: number, jobId: number, share: Sv2ShareFields, upstreamTarget: Uint8Array): void {
    if (this.upstream === null) return;
    const sequenceNumber = channel.nextShare({ minerId, difficulty: channel.difficultyOf(upstreamTarget) });
    this.upstream.link.send('SubmitSharesExtended', { channelId: channel.channelId, sequenceNumber, jobId, ...share });
  }

  // ---------------------------------------------------------------------------------------------
  // Connection
  // ---------------------------------------------------------------------------------------------

  connect(link: UpstreamLink, userIdentity: string, label: string, now: number): void {
    this.upstream = { link, userIdentity, label, since: now };
    this.forgetPending();
    this.log.info({ upstream: label }, 'upstream connected');
  }

  /** The connection is gone: its channels become orphans that keep miners fed with keep-alive jobs. */
  disconnect(reason: string): void {
    if (this.upstream === null) return;
    // Our own stop is not news for an operator's warnings.
    if (reason === TRANSLATOR_STOPPING) this.log.info({ upstream: this.upstream.label }, 'upstream closed');
    else this.log.warn({ upstream: this.upstream.label, reason }, 'upstream lost');
    this.upstream = null;
    for (const channel of this.open.values()) channel.orphaned = true;
    this.open.clear();
    this.forgetPending();
    this.lastUpdate.clear();
  }

  private forgetPending(): void {
    for (const p of this.pending.values()) p.miner?.openingChannel(null);
    this.pending.clear();
    this.aggregateRequest = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening
  // ---------------------------------------------------------------------------------------------

  /** Opens the aggregate channel unless it is open or asked for; not before a miner is ready (0 H/s). */
  openAggregate(now: number): void {
    if (this.upstream === null || this.aggregateRequest !== null) return;
    if (this.aggregateChannel !== null && !this.aggregateChannel.orphaned) return;
    const hashrate = this.o.nominalHashrate(null);
    if (hashrate === 0) return; // a proxy with no devices would announce 0 H/s
    const requestId = this.nextRequestId++;
    this.aggregateRequest = requestId;
    this.pending.set(requestId, { miner: null, sentAt: now });
    this.request(requestId, hashrate);
  }

  /** Opens a channel for one miner unless it has a live one or one is on the way. */
  openFor(miner: MinerSession, now: number): void {
    if (this.upstream === null || miner.openingRequestId !== null || (miner.channel !== null && !miner.channel.orphaned)) return;
    const requestId = this.nextRequestId++;
    miner.openingChannel(requestId);
    this.pending.set(requestId, { miner, sentAt: now });
    this.request(requestId, this.o.nominalHashrate(miner));
  }

  private request(requestId: number, hashrate: number): void {
    this.upstream!.link.send('OpenExtendedMiningChannel', {
      requestId,
      userIdentity: this.upstream!.userIdentity,
      nominalHashRate: hashrate,
      maxTarget: MAX_TARGET,
      minExtranonceSize: EXTRANONCE1_SIZE + this.o.extranonce2Size,
    });
  }

  /**
   * OpenExtendedMiningChannel.Success: the channel, registered, and whom it is for; null when it
   * answers no request (closed again) or is unusable (closed, and the request failed).
   */
  onOpened(m: Messages['OpenExtendedMiningChannelSuccess'], now: number): OpenedChannel | null {
    const pending = this.pending.get(m.requestId);
    this.pending.delete(m.requestId);
    if (pending === undefined || this.upstream === null) {
      this.log.warn({ request: m.requestId, channel: m.channelId }, 'channel opened for no pending request; closing it');
      this.upstream?.link.send('CloseChannel', { channelId: m.channelId, reasonCode: 'unexpected-channel' });
      return null;
    }
    const miner = pending.miner;
    const hashrate = this.o.nominalHashrate(miner);
    let channel: UpstreamChannel;
    try {
      channel = new UpstreamChannel(m, this.upstream.userIdentity, hashrate, EXTRANONCE1_SIZE, this.o.extranonce2Size, this.o.maxPastJobs);
    } catch (error) {
      this.upstream.link.send('CloseChannel', { channelId: m.channelId, reasonCode: 'extranonce-too-small' });
      this.fail(pending, (error as Error).message);
      return null;
    }
    this.open.set(channel.channelId, channel);
    this.tracked.add(channel);
    this.log.info(
      { channel: channel.channelId, extranonceSize: channel.extranonceSize, prefix: bytesToHex(channel.extranoncePrefix), difficulty: targetToDifficulty(channel.target) },
      'upstream channel open',
    );
    // the channel it replaces (an orphan of a lost connection) has no miners left once they move
    let previous: UpstreamChannel | null;
    if (miner === null) {
      this.aggregateRequest = null;
      previous = this.aggregateChannel;
      this.aggregateChannel = channel;
    } else {
      miner.openingChannel(null);
      previous = miner.channel;
    }
    if (previous !== null && previous !== channel) this.tracked.delete(previous);
    this.lastUpdate.set(channel, { at: now, hashrate });
    return { channel, miner };
  }

  onOpenError(m: Messages['OpenMiningChannelError']): void {
    const pending = this.pending.get(m.requestId);
    this.pending.delete(m.requestId);
    if (pending !== undefined) this.fail(pending, `pool refused the channel: ${m.errorCode}`);
  }

  /** Requests the pool left unanswered too long count as refused. */
  expire(now: number): void {
    for (const [requestId, pending] of this.pending) {
      if (now - pending.sentAt < OPEN_CHANNEL_TIMEOUT_MS) continue;
      this.pending.delete(requestId);
      this.fail(pending, `no answer to OpenExtendedMiningChannel within ${OPEN_CHANNEL_TIMEOUT_MS / 1000} s`);
    }
  }

  /** Without the aggregate channel this pool cannot serve us: fall back. Without its own, the miner goes. */
  private fail(pending: PendingOpen, reason: string): void {
    this.log.error({ reason }, 'cannot open an upstream channel');
    if (pending.miner === null) {
      this.aggregateRequest = null;
      this.o.onUpstreamAction?.({ type: 'fallback', reason });
    } else {
      pending.miner.openingChannel(null);
      pending.miner.link.kick(reason);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The pool's channel messages (a group id addresses every member)
  // ---------------------------------------------------------------------------------------------

  /** NewExtendedMiningJob: the jobs active at once (a future job waits for its prev hash). */
  onNewJob(m: Messages['NewExtendedMiningJob']): ActiveJob[] {
    const active: ActiveJob[] = [];
    for (const channel of this.resolve(m.channelId)) {
      const job = this.channelCall(channel, () => channel.sv2.onNewExtendedMiningJob(m));
      if (job !== undefined && job.minNtime !== null) active.push({ channel, job });
    }
    return active;
  }

  /** SetNewPrevHash: every Sv1 job of the old tip goes; the job it activates is announced clean. */
  onNewPrevHash(m: Messages['SetNewPrevHash']): ActiveJob[] {
    const active: ActiveJob[] = [];
    for (const channel of this.resolve(m.channelId)) {
      const job = this.channelCall(channel, () => channel.sv2.onSetNewPrevHash(m));
      if (job === undefined) continue;
      channel.clearSv1Jobs();
      active.push({ channel, job });
    }
    return active;
  }

  /** SetTarget: the channels whose target changed. */
  onSetTarget(m: Messages['SetTarget']): UpstreamChannel[] {
    const channels = this.resolve(m.channelId);
    for (const channel of channels) channel.sv2.onSetTarget(m);
    return channels;
  }

  /** SetExtranoncePrefix applies to jobs sent after it (spec): the next job's coinb1 carries it. */
  onSetExtranoncePrefix(m: Messages['SetExtranoncePrefix']): void {
    const channel = this.open.get(m.channelId);
    if (channel !== undefined) this.channelCall(channel, () => channel.sv2.onSetExtranoncePrefix(m));
  }

  onSetGroupChannel(m: Messages['SetGroupChannel']): void {
    for (const id of m.channelIds) {
      const channel = this.open.get(id);
      if (channel !== undefined) channel.groupChannelId = m.groupChannelId;
    }
  }

  /** SubmitShares.Success: the shares it acknowledges (null: not a channel of ours). */
  onSharesAccepted(m: Messages['SubmitSharesSuccess']): PendingShare[] | null {
    const channel = this.open.get(m.channelId);
    if (channel === undefined) return null;
    const accepted = channel.takeAccepted(m.lastSequenceNumber, m.newSubmitsAcceptedCount);
    for (const share of accepted) channel.stats.shareWorkSum += share.difficulty;
    return accepted;
  }

  /** SubmitShares.Error: the share it refuses, undefined when no longer remembered (null: not a channel of ours). */
  onShareRejected(m: Messages['SubmitSharesError']): PendingShare | undefined | null {
    const channel = this.open.get(m.channelId);
    return channel === undefined ? null : channel.takeRejected(m.sequenceNumber);
  }

  /** Runs a ClientChannel update; a pool message it refuses is logged and dropped (the connection carries on). */
  private channelCall<T>(channel: UpstreamChannel, update: () => T): T | undefined {
    try {
      return update();
    } catch (error) {
      if (!(error instanceof ChannelError)) throw error;
      this.log.warn({ channel: channel.channelId, errorCode: error.errorCode, error: error.message }, 'pool message refused');
      return undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Closing and updating
  // ---------------------------------------------------------------------------------------------

  /** CloseChannel from the pool. */
  onClosedByPool(channelId: number, reason: string): void {
    const channel = this.open.get(channelId);
    if (channel === undefined) return;
    this.open.delete(channelId);
    channel.orphaned = true;
    this.log.warn({ channel: channelId, reason }, 'pool closed the channel');
    if (channel === this.aggregateChannel) {
      this.o.onUpstreamAction?.({ type: 'fallback', reason: `pool closed the channel: ${reason}` });
    } else {
      for (const s of [...channel.miners]) s.link.kick(`pool closed the channel: ${reason}`);
      this.tracked.delete(channel);
    }
  }

  /** Closes a channel no miner needs any more (telling the pool unless it is an orphan). */
  close(channel: UpstreamChannel, reason: string): void {
    this.tracked.delete(channel);
    this.lastUpdate.delete(channel);
    if (this.open.get(channel.channelId) === channel) {
      this.open.delete(channel.channelId);
      if (!channel.orphaned) this.upstream?.link.send('CloseChannel', { channelId: channel.channelId, reasonCode: reason });
    }
  }

  /** UpdateChannel when the nominal hashrate moved enough, at most once a second per channel. */
  update(channel: UpstreamChannel, hashrate: number, now: number): void {
    if (this.upstream === null || channel.orphaned || !hashrateUpdateDue(this.lastUpdate.get(channel), hashrate, now)) return;
    this.lastUpdate.set(channel, { at: now, hashrate });
    channel.nominalHashrate = hashrate;
    this.upstream.link.send('UpdateChannel', { channelId: channel.channelId, nominalHashRate: hashrate, maximumTarget: MAX_TARGET });
  }
}
