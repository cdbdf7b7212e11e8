/**
 * The device channels of a role that serves Sv2 devices on work of its own making (the proxy from
 * its upstream's jobs, the JD client from its own templates): opening (standard or extended, each with its own extranonce
 * prefix of the proxy's space), UpdateChannel, CloseChannel, per-channel vardiff, and every share
 * checked against the device's own target before anything else happens to it. Work from the
 * upstream reaches them through the shared job fan-out: a group broadcast per connection, or a
 * NewMiningJob per channel on a connection that requires standard jobs. No I/O, no clock of its
 * own: what goes to a device leaves through `send`, what goes up through `forward`.
 */
import { concatBytes } from '../../bitcoin/bytes.js';
import type { Target } from '../../bitcoin/target.js';
import type { ChainTip } from '../../channels/chain-tip.js';
import { admitChannel } from '../../channels/channel-admission.js';
import { ChannelError } from '../../channels/errors.js';
import { ExtranonceAllocator } from '../../channels/extranonce.js';
import { JobIdSequence } from '../../channels/job-store.js';
import { ShareTally } from '../../channels/share-accounting.js';
import { ExtendedChannel } from '../../channels/server-extended.js';
import { GroupChannel } from '../../channels/server-group.js';
import { StandardChannel } from '../../channels/server-standard.js';
import { shareError } from '../../channels/share-result.js';
import { MiningErrorCode } from '../../messages/mining.js';
import type { MessageName, Messages } from '../../messages/registry.js';
import type { BlockFound } from '../../channels/share-result.js';
import type { Work } from '../../channels/work.js';
import { allShares, channelList } from './channel-tally.js';
import { JobFanout, type Channel } from './job-fanout.js';
import { peerFault } from './role-error.js';

/** Which device a share belongs to. */
export interface DeviceRef {
  connectionId: number;
  channelId: number;
}

/** What became of a device share at the upstream side. */
export type ForwardOutcome = 'forwarded' | 'below-upstream-target' | 'upstream-unavailable' | 'upstream-stale' | 'held';

export interface DeviceInfo {
  requiresStandardJobs: boolean;
  peer: string;
  vendor: string;
}

/** What happened to one device's shares beyond its channel's own accounting. */
export interface DeviceUpstreamStats {
  forwarded: number;
  acceptedUpstream: number;
  rejectedUpstream: Map<string, number>;
  /** valid for the device but not sent up: below the upstream target (the normal case) */
  belowUpstreamTarget: number;
}

interface Connection {
  info: DeviceInfo;
  channels: Map<number, Channel>;
  nextChannelId: number;
  jobIds: JobIdSequence;
  group: GroupChannel | null;
  retired: ShareTally;
}

export interface DeviceChannelsOptions {
  sharesPerMinute: number;
  shareBatchSize: number;
  extranonceSize: number;
  maxChannels: number;
  maxChannelsPerConnection?: number;
  /**
   * Every channel mines work of its own (a proxy with one upstream channel per device channel):
   * no group per connection, work reaches one channel through `onChannelWork`/`onChannelTip`.
   */
  workPerChannel?: boolean;
}

export interface DeviceChannelsHooks<W extends Work> {
  send<N extends MessageName>(connectionId: number, name: N, message: Messages[N]): void;
  /** A device share that met its own target: the upstream side decides whether it goes up. */
  forward(work: W, share: { nonce: number; ntime: number; version: number }, extranonce: Uint8Array, hash: Uint8Array, device: DeviceRef): ForwardOutcome;
  /** false for work whose shares can no longer be paid (an upstream that is gone): they are stale */
  isLive(work: W, device: DeviceRef): boolean;
  /** a device share that is also a block (called before the share is forwarded) */
  block?(work: W, block: BlockFound, device: DeviceRef): void;
  /** a device channel was opened (after its Success went out) */
  opened?(device: DeviceRef, ch: Channel): void;
  /** a device channel is gone (CloseChannel, the device's disconnect, or closeChannel) */
  closed?(device: DeviceRef, ch: Channel): void;
}

export class DeviceChannels<W extends Work = Work> {
  private readonly connections = new Map<number, Connection>();
  private readonly allocator: ExtranonceAllocator;
  private readonly fanout: JobFanout;
  private readonly stats = new WeakMap<Channel, DeviceUpstreamStats>();
  private readonly retired = new ShareTally();
  /** with workPerChannel: each channel's own feed (its work, its tip) */
  private readonly feeds = new WeakMap<Channel, JobFanout>();

  constructor(
    private readonly opts: DeviceChannelsOptions,
    private readonly hooks: DeviceChannelsHooks<W>,
  ) {
    this.allocator = new ExtranonceAllocator({ totalLength: opts.extranonceSize, maxChannels: opts.maxChannels });
    this.fanout = new JobFanout(this.connections, hooks.send, { maxTemplates: 8, refreshMs: 0 });
  }

  addConnection(id: number, info: DeviceInfo): void {
    const jobIds = new JobIdSequence();
    const group = info.requiresStandardJobs || this.opts.workPerChannel === true ? null : new GroupChannel({ groupChannelId: 1, fullExtranonceSize: this.opts.extranonceSize, jobIds, requiresStandardJobs: false });
    this.connections.set(id, { info, channels: new Map(), nextChannelId: group === null ? 1 : 2, jobIds, group, retired: new ShareTally() });
  }

  removeConnection(id: number): void {
    const conn = this.connections.get(id);
    if (conn === undefined) return;
    for (const ch of conn.channels.values()) this.release(id, conn, ch);
    this.retired.fold(conn.retired);
    this.connections.delete(id);
  }

  /** New work from the upstream: a group broadcast or a job per channel. */
  onWork(work: W): void {
    this.fanout.onWork(work);
  }

  onNewTip(templateId: bigint, tip: ChainTip): void {
    this.fanout.onNewTip(templateId, tip);
  }

  /** With workPerChannel: work for one device channel only (its own upstream channel's job). */
  onChannelWork(device: DeviceRef, work: W): void {
    const ch = this.channelOf(device);
    if (ch !== undefined) this.feeds.get(ch)?.onWork(work);
  }

  onChannelTip(device: DeviceRef, templateId: bigint, tip: ChainTip): void {
    const ch = this.channelOf(device);
    if (ch !== undefined) this.feeds.get(ch)?.onNewTip(templateId, tip);
  }

  /** Closes a device channel from this side (its upstream refused or closed it), telling the device. */
  closeChannel(device: DeviceRef, reasonCode: string): void {
    const conn = this.connections.get(device.connectionId);
    const ch = conn?.channels.get(device.channelId);
    if (conn === undefined || ch === undefined) return;
    this.send(device.connectionId, 'CloseChannel', { channelId: ch.channelId, reasonCode });
    conn.channels.delete(ch.channelId);
    this.release(device.connectionId, conn, ch);
  }

  get tip(): ChainTip | null {
    return this.fanout.tip;
  }

  /** The devices' total nominal hashrate (each channel's vardiff estimate). */
  totalHashrate(): number {
    let sum = 0;
    for (const conn of this.connections.values()) for (const ch of conn.channels.values()) sum += ch.nominalHashrate;
    return sum;
  }

  get channelCount(): number {
    let n = 0;
    for (const conn of this.connections.values()) n += conn.channels.size;
    return n;
  }

  connectionIds(): number[] {
    return [...this.connections.keys()];
  }

  info(id: number): DeviceInfo | undefined {
    return this.connections.get(id)?.info;
  }

  channelsOf(id: number): readonly Channel[] {
    return channelList(this.connections, id);
  }

  channelOf(device: DeviceRef): Channel | undefined {
    return this.connections.get(device.connectionId)?.channels.get(device.channelId);
  }

  upstreamStatsOf(ch: Channel): DeviceUpstreamStats {
    return this.stats.get(ch)!;
  }

  /** Every share counted by the device channels since start, open and closed. */
  totals(): ShareTally {
    return allShares(this.retired, this.connections);
  }

  /** The upstream's answer about one forwarded share. */
  answered(device: DeviceRef, accepted: boolean, errorCode?: string): void {
    const ch = this.connections.get(device.connectionId)?.channels.get(device.channelId);
    if (ch === undefined) return;
    const s = this.stats.get(ch)!;
    if (accepted) s.acceptedUpstream++;
    else s.rejectedUpstream.set(errorCode ?? 'unknown', (s.rejectedUpstream.get(errorCode ?? 'unknown') ?? 0) + 1);
  }

  /** A device's Mining message; false for one the proxy does not take from a device. */
  onMessage(connId: number, m: { name: MessageName; message: unknown }, nowMs: number): boolean {
    const conn = this.connections.get(connId);
    if (conn === undefined) return false;
    const now = Math.floor(nowMs / 1000);
    switch (m.name) {
      case 'OpenStandardMiningChannel': {
        const req = m.message as Messages['OpenStandardMiningChannel'];
        this.open(connId, conn, req.requestId, req.userIdentity, () => {
          const prefix = this.allocator.allocateStandard();
          return this.guard(prefix, () => new StandardChannel({ ...this.channelOptions(conn, req.userIdentity, req.nominalHashRate, req.maxTarget, now), extranoncePrefix: prefix }));
        });
        return true;
      }
      case 'OpenExtendedMiningChannel': {
        const req = m.message as Messages['OpenExtendedMiningChannel'];
        if (conn.info.requiresStandardJobs) {
          this.hooks.send(connId, 'OpenMiningChannelError', { requestId: req.requestId, errorCode: MiningErrorCode.ExtendedChannelsNotSupportedForStandardJobs });
          return true;
        }
        this.open(connId, conn, req.requestId, req.userIdentity, () => {
          const alloc = this.allocator.allocateExtended(req.minExtranonceSize);
          return this.guard(alloc.extranoncePrefix, () =>
            new ExtendedChannel({ ...this.channelOptions(conn, req.userIdentity, req.nominalHashRate, req.maxTarget, now), extranoncePrefix: alloc.extranoncePrefix, extranonceSize: alloc.extranonceSize }),
          );
        });
        return true;
      }
      case 'SubmitSharesStandard': {
        const share = m.message as Messages['SubmitSharesStandard'];
        const ch = this.channelFor(conn, share.channelId, StandardChannel);
        if (ch !== undefined) this.share(connId, ch, share, null, now);
        else this.send(connId, 'SubmitSharesError', shareError(share.channelId, share.sequenceNumber, MiningErrorCode.InvalidChannelId).error);
        return true;
      }
      case 'SubmitSharesExtended': {
        const share = m.message as Messages['SubmitSharesExtended'];
        const ch = this.channelFor(conn, share.channelId, ExtendedChannel);
        if (ch !== undefined) this.share(connId, ch, share, share.extranonce, now);
        else this.send(connId, 'SubmitSharesError', shareError(share.channelId, share.sequenceNumber, MiningErrorCode.InvalidChannelId).error);
        return true;
      }
      case 'UpdateChannel': {
        const u = m.message as Messages['UpdateChannel'];
        const ch = this.channelFor(conn, u.channelId, null);
        if (ch === undefined) {
          this.send(connId, 'UpdateChannelError', { channelId: u.channelId, errorCode: MiningErrorCode.InvalidChannelId });
          return true;
        }
        try {
          const setTarget = ch.updateChannel(u.nominalHashRate, u.maximumTarget, now);
          if (setTarget !== null) {
            this.send(connId, 'SetTarget', setTarget);
            this.feedOf(ch).freshJob(connId, ch);
          }
        } catch (e) {
          if (!(e instanceof ChannelError)) throw e;
          this.send(connId, 'UpdateChannelError', { channelId: u.channelId, errorCode: e.errorCode });
        }
        return true;
      }
      case 'CloseChannel': {
        const c = m.message as Messages['CloseChannel'];
        const ids = conn.group !== null && c.channelId === conn.group.groupChannelId ? [...conn.channels.keys()] : [c.channelId];
        for (const id of ids) {
          const ch = conn.channels.get(id);
          if (ch === undefined) continue;
          conn.channels.delete(id);
          conn.group?.remove(id);
          this.release(connId, conn, ch);
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** Once a second: partial SubmitShares.Success batches, and vardiff (SetTarget with a fresh job that carries it). */
  tick(nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    for (const [connId, conn] of this.connections) {
      for (const ch of conn.channels.values()) {
        const ack = ch.flushAck();
        if (ack !== null) this.send(connId, 'SubmitSharesSuccess', ack);
        const setTarget = ch.checkVardiff(now);
        if (setTarget === null) continue;
        this.send(connId, 'SetTarget', setTarget);
        this.feedOf(ch).freshJob(connId, ch);
      }
    }
  }

  private send<N extends MessageName>(connId: number, name: N, message: Messages[N]): void {
    this.hooks.send(connId, name, message);
  }

  private feedOf(ch: Channel): JobFanout {
    return this.feeds.get(ch) ?? this.fanout;
  }

  /**
   * The channel a device message names. A channel id this connection never had is a device
   * talking about someone else's channel (or garbage): it is cut off. A closed one of its own is
   * answered (a share may have crossed its CloseChannel).
   */
  private channelFor<C extends Channel>(conn: Connection, channelId: number, kind: (abstract new (...a: never[]) => C) | null): C | undefined {
    const ch = conn.channels.get(channelId);
    if (ch !== undefined && (kind === null || ch instanceof kind)) return ch as C;
    if (ch === undefined && (channelId >= conn.nextChannelId || channelId === 0)) {
      throw peerFault('SV2_ERR_UNKNOWN_CHANNEL', `message for channel ${channelId}, which this connection never opened`);
    }
    return undefined;
  }

  private share(connId: number, ch: Channel, share: Messages['SubmitSharesStandard'] | Messages['SubmitSharesExtended'], extranonce: Uint8Array | null, now: number): void {
    const job = ch.job(share.jobId);
    const work = job?.work as W | undefined;
    // Work of an upstream that is gone can no longer be paid: say so at once rather than take it.
    if (work !== undefined && !this.hooks.isLive(work, { connectionId: connId, channelId: ch.channelId })) {
      ch.accounting.reject(MiningErrorCode.StaleShare);
      this.send(connId, 'SubmitSharesError', shareError(ch.channelId, share.sequenceNumber, MiningErrorCode.StaleShare).error);
      return;
    }
    const result = ch instanceof StandardChannel ? ch.validateShare(share as Messages['SubmitSharesStandard'], now) : ch.validateShare(share as Messages['SubmitSharesExtended'], now);
    if (!result.ok) {
      this.send(connId, 'SubmitSharesError', result.error);
      return;
    }
    if (result.ack !== null) this.send(connId, 'SubmitSharesSuccess', result.ack);
    const full = extranonce === null ? job!.extranoncePrefix : concatBytes(job!.extranoncePrefix, extranonce);
    const device = { connectionId: connId, channelId: ch.channelId };
    // The share goes upstream before its block goes to a node: the block's new tip, once it reaches
    // the upstream, makes the share's job stale there, and the share that found the block would go
    // uncredited.
    const outcome = this.hooks.forward(work!, share, full, result.hash, device);
    if (result.block !== null) this.hooks.block?.(work!, result.block, device);
    const s = this.stats.get(ch)!;
    if (outcome === 'forwarded' || outcome === 'held') s.forwarded++;
    else if (outcome === 'below-upstream-target') s.belowUpstreamTarget++;
  }

  private open(connId: number, conn: Connection, requestId: number, userIdentity: string, make: () => Channel): void {
    const admitted = admitChannel(userIdentity, conn.channels.size, this.opts.maxChannelsPerConnection ?? 10_000, make);
    if ('errorCode' in admitted) {
      this.send(connId, 'OpenMiningChannelError', { requestId, errorCode: admitted.errorCode });
      return;
    }
    const ch = admitted.channel;
    conn.channels.set(ch.channelId, ch);
    this.stats.set(ch, { forwarded: 0, acceptedUpstream: 0, rejectedUpstream: new Map(), belowUpstreamTarget: 0 });
    conn.group?.add(ch);
    if (this.opts.workPerChannel === true) {
      // A feed of one channel: the shared fan-out's rules (future job, prev hash, fresh job) for its own work.
      this.feeds.set(ch, new JobFanout(new Map([[connId, { channels: new Map([[ch.channelId, ch]]), group: null }]]), this.hooks.send, { maxTemplates: 8, refreshMs: 0 }));
    }
    if (ch instanceof StandardChannel) this.send(connId, 'OpenStandardMiningChannelSuccess', ch.openSuccess(requestId));
    else this.send(connId, 'OpenExtendedMiningChannelSuccess', ch.openSuccess(requestId));
    this.feedOf(ch).firstJob(connId, ch);
    this.hooks.opened?.({ connectionId: connId, channelId: ch.channelId }, ch);
  }

  private guard(prefix: Uint8Array, make: () => Channel): Channel {
    try {
      return make();
    } catch (e) {
      this.allocator.release(prefix);
      throw e;
    }
  }

  private channelOptions(conn: Connection, userIdentity: string, nominalHashrate: number, maxTarget: Target, now: number) {
    return {
      channelId: conn.nextChannelId++,
      userIdentity,
      maxTarget,
      nominalHashrate,
      sharesPerMinute: this.opts.sharesPerMinute,
      shareBatchSize: this.opts.shareBatchSize,
      now,
      jobIds: conn.jobIds,
      groupChannelId: conn.group?.groupChannelId ?? 0,
    };
  }

  private release(connId: number, conn: Connection, ch: Channel): void {
    conn.retired.fold(ch.accounting);
    this.allocator.release(ch.extranoncePrefix);
    for (const p of ch.takeRetiredPrefixes()) this.allocator.release(p);
    this.hooks.closed?.({ connectionId: connId, channelId: ch.channelId }, ch);
  }
}
