/**
 * The pool's one owner of channel state. It turns templates into jobs for every channel, opens,
 * updates and closes channels, and validates shares; everything it decides goes out through
 * `ChannelManagerHooks`. It does no I/O and reads no clock of its own, so tests drive it with
 * plain values and the role decides how messages reach sockets.
 */
import type { Target } from '../../bitcoin/target.js';
import type { ChainTip } from '../../channels/chain-tip.js';
import { admitChannel } from '../../channels/channel-admission.js';
import { ChannelError } from '../../channels/errors.js';
import { ExtranonceAllocator } from '../../channels/extranonce.js';
import { JobIdSequence } from '../../channels/job-store.js';
import { ShareTally } from '../../channels/share-accounting.js';
import type { ServerChannel } from '../../channels/server-channel.js';
import { ExtendedChannel } from '../../channels/server-extended.js';
import { GroupChannel } from '../../channels/server-group.js';
import { StandardChannel } from '../../channels/server-standard.js';
import type { ShareResult } from '../../channels/share-result.js';
import { unknownChannel } from '../../channels/share-result.js';
import { coinbaseTag } from '../../channels/work.js';
import { parseUserIdentity, UserIdentityError, type IdentityRules, type PayoutTarget } from '../../channels/payout-identity.js';
import type { TxOut } from '../../bitcoin/tx.js';
import { PayoutWork } from './payout-work.js';
import type { ChannelManagerHooks, ChannelManagerOptions, ConnectionInfo } from './channel-manager-types.js';
import { chainTipFromTdp } from '../../channels/chain-tip.js';
import type { Tlv } from '../../codec/tlv.js';
import { findUserIdentity } from '../../messages/extensions.js';
import { MiningErrorCode } from '../../messages/mining.js';
import type { AnyMessage, Messages } from '../../messages/registry.js';
import { allShares, channelList, connectionShares } from '../common/channel-tally.js';
import { JobFanout, type Channel } from '../common/job-fanout.js';

/** Rules when none are given: nothing is solo, so no identity names an address to check. */
const ACCOUNTS_ONLY: IdentityRules = { network: 'mainnet', solo: false, soloFeeBps: 0 };

export type { BlockCandidate, ChannelManagerHooks, ChannelManagerOptions, ConnectionInfo, ShareCredit } from './channel-manager-types.js';


export { MAX_CHANNELS_REACHED } from '../../channels/channel-admission.js';

interface Connection {
  info: ConnectionInfo;
  channels: Map<number, Channel>;
  nextChannelId: number;
  jobIds: JobIdSequence;
  /**
   * Every channel of a connection that did not set REQUIRES_STANDARD_JOBS (a proxy) is in this
   * group, so one NewExtendedMiningJob / SetNewPrevHash reaches them all.
   */
  group: GroupChannel | null;
  /** Counts of this connection's closed channels and of its shares for no channel. */
  retired: ShareTally;
}

export class ChannelManager {
  private readonly connections = new Map<number, Connection>();
  private readonly allocator: ExtranonceAllocator;
  private readonly extranonceLength: number;
  private readonly jobs: JobFanout;
  private readonly tag: Uint8Array;
  /** Open channels by kind, kept as they open and close so reading them costs nothing. */
  private readonly openChannels = { standard: 0, extended: 0 };
  /** The connections that mine the pool's templates (all but work-selection ones): what the fan-out serves. */
  private readonly fanned = new Map<number, Connection>();
  /** Counts of connections that are gone. */
  private readonly retired = new ShareTally();
  private readonly rules: IdentityRules;
  /** Who each open channel's work pays. */
  private readonly payouts = new WeakMap<Channel, PayoutTarget>();
  /** The coinbase of every payout's work. */
  private readonly work: PayoutWork;

  constructor(
    private readonly opts: ChannelManagerOptions,
    private readonly hooks: ChannelManagerHooks,
  ) {
    this.extranonceLength = opts.extranonceLength ?? 32;
    this.allocator = ExtranonceAllocator.forPool({ totalLength: this.extranonceLength, maxChannels: opts.maxChannels ?? 1 << 20, serverId: opts.serverId });
    this.tag = coinbaseTag(opts.poolSignature);
    this.rules = opts.identityRules ?? ACCOUNTS_ONLY;
    this.work = new PayoutWork({
      poolScript: opts.rewardScript,
      tag: this.tag,
      fullExtranonceSize: this.extranonceLength,
      maxTemplates: opts.maxTemplates ?? 8,
      dustSats: opts.dustSats ?? 546n,
      maxPayoutOutputs: opts.maxPayoutOutputs ?? 0,
      accountsPayout: opts.accountsPayout,
    });
    this.jobs = new JobFanout(this.fanned, hooks.send, {
      maxTemplates: opts.maxTemplates ?? 8,
      refreshMs: opts.jobRefreshMs ?? 0,
      workFor: (ch, work) => this.work.workFor(this.payouts.get(ch), work),
    });
  }

  /** Extra coinbase bytes the pool adds beyond the template's outputs: for CoinbaseOutputConstraints. */
  get coinbaseOutputSize(): number {
    return this.work.coinbaseOutputSize(this.rules.solo);
  }

  /**
   * The coinbase outputs the pool requires for `value` satoshis of a pool-account job: what every
   * job of its own pays, and what a Job Declarator must require of miner-built templates.
   */
  requiredCoinbaseOutputs(value: bigint): TxOut[] {
    return this.work.requiredOutputs(value);
  }

  /** Who a channel's work pays; undefined for a channel that is not open. */
  payoutOf(ch: Channel): PayoutTarget | undefined {
    return this.payouts.get(ch);
  }

  get chainTip(): ChainTip | null {
    return this.jobs.tip;
  }

  addConnection(connectionId: number, info: ConnectionInfo): void {
    const jobIds = new JobIdSequence();
    // Id 1 is the group's on a proxy connection; channels count from 2 there.
    const group = info.requiresStandardJobs || info.requiresWorkSelection === true ? null : new GroupChannel({ groupChannelId: 1, fullExtranonceSize: this.extranonceLength, jobIds, requiresStandardJobs: false });
    const conn: Connection = { info, channels: new Map(), nextChannelId: group === null ? 1 : 2, jobIds, group, retired: new ShareTally() };
    this.connections.set(connectionId, conn);
    if (info.requiresWorkSelection !== true) this.fanned.set(connectionId, conn);
  }

  /** Drops a connection and frees its channels' extranonce prefixes. */
  removeConnection(connectionId: number): void {
    const conn = this.connections.get(connectionId);
    if (conn === undefined) return;
    for (const ch of conn.channels.values()) this.releaseChannel(conn, ch);
    this.retired.fold(conn.retired);
    this.connections.delete(connectionId);
    this.fanned.delete(connectionId);
  }

  /** Handles a Mining Protocol message from a downstream; returns false for one it does not take. */
  onMessage(connectionId: number, m: AnyMessage, nowMs: number): boolean {
    const conn = this.connections.get(connectionId);
    if (conn === undefined) return false;
    const now = Math.floor(nowMs / 1000);
    switch (m.name) {
      case 'OpenStandardMiningChannel':
        this.openStandard(connectionId, conn, m.message, now);
        return true;
      case 'OpenExtendedMiningChannel':
        this.openExtended(connectionId, conn, m.message, now);
        return true;
      case 'SubmitSharesStandard': {
        const found = conn.channels.get(m.message.channelId);
        const ch = found instanceof StandardChannel ? found : undefined;
        this.afterShare(connectionId, conn, ch, ch ? ch.validateShare(m.message, now) : unknownChannel(m.message), m.message, undefined);
        return true;
      }
      case 'SubmitSharesExtended': {
        const found = conn.channels.get(m.message.channelId);
        const ch = found instanceof ExtendedChannel ? found : undefined;
        this.afterShare(connectionId, conn, ch, ch ? ch.validateShare(m.message, now) : unknownChannel(m.message), m.message, m.tlvs);
        return true;
      }
      case 'UpdateChannel':
        this.updateChannel(connectionId, conn, m.message, now);
        return true;
      case 'SetCustomMiningJob':
        this.setCustomJob(connectionId, conn, m.message, now);
        return true;
      case 'CloseChannel': {
        // A group id closes every member (a solo channel outside the group stays).
        const ids = conn.group !== null && m.message.channelId === conn.group.groupChannelId ? [...conn.group.channels()].map((ch) => ch.channelId) : [m.message.channelId];
        let left = false;
        for (const id of ids) {
          const ch = conn.channels.get(id);
          if (ch === undefined) continue;
          conn.channels.delete(id);
          left = conn.group?.remove(id) === true || left;
          this.releaseChannel(conn, ch);
          this.hooks.channelClosed?.(connectionId, ch, m.message.reasonCode);
        }
        // The group's membership changed: say who is in it now.
        if (left && conn.group !== null && conn.group.size > 0) this.hooks.send(connectionId, 'SetGroupChannel', conn.group.setGroupChannel());
        return true;
      }
      default:
        return false;
    }
  }

  /** A template from the Template Provider: a future one waits for its SetNewPrevHash, others replace the active jobs. */
  onNewTemplate(template: Messages['NewTemplate']): void {
    this.jobs.onWork(this.work.onTemplate(template));
  }

  /** The new chain tip: every channel switches to its future job for that template. */
  onSetNewPrevHash(m: Messages['SetNewPrevHashTdp']): void {
    const tip = chainTipFromTdp(m);
    this.jobs.onNewTip(m.templateId, tip);
    // JD clients' channels get no template jobs, but their custom jobs of the old tip go stale.
    for (const [id, conn] of this.connections) if (!this.fanned.has(id)) for (const ch of conn.channels.values()) ch.onChainTip(tip);
  }

  /**
   * Periodic work, driven by the role's timer: vardiff (SetTarget, and a fresh job that takes it)
   * and the SubmitShares.Success for partial batches, so a slow miner still hears that its shares counted.
   */
  tick(nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    this.jobs.refreshIfQuiet(nowMs);
    for (const [connId, conn] of this.connections) {
      for (const ch of conn.channels.values()) {
        const ack = ch.flushAck();
        if (ack !== null) this.hooks.send(connId, 'SubmitSharesSuccess', ack);
        const setTarget = ch.checkVardiff(now);
        if (setTarget === null) continue;
        this.hooks.send(connId, 'SetTarget', setTarget);
        if (conn.info.requiresWorkSelection === true) continue; // its own jobs take the target
        // SetTarget applies to later jobs only: without a new template (a quiet mempool) none would
        // come, and the channel would stay at its old difficulty. A fresh job of the same work carries it.
        this.jobs.freshJob(connId, ch);
      }
    }
  }

  /** Read-only views for the monitoring API. */
  connectionIds(): number[] {
    return [...this.connections.keys()];
  }

  connectionInfo(connectionId: number): ConnectionInfo | undefined {
    return this.connections.get(connectionId)?.info;
  }

  channelsOf(connectionId: number): readonly Channel[] {
    return channelList(this.connections, connectionId);
  }

  /** Open channels of one connection. */
  channelCountOf(connectionId: number): number {
    return this.connections.get(connectionId)?.channels.size ?? 0;
  }

  get channelCount(): number {
    return this.openChannels.standard + this.openChannels.extended;
  }

  /** What a connection's channels counted, open and closed; undefined for one that is gone. */
  connectionTotals(connectionId: number): ShareTally | undefined {
    return connectionShares(this.connections.get(connectionId));
  }

  /** What every channel counted since the pool started: read at scrape time, O(open channels). */
  totals(): ShareTally {
    return allShares(this.retired, this.connections);
  }

  /** Open channels by kind. */
  channelCounts(): { standard: number; extended: number } {
    return { ...this.openChannels };
  }

  private openStandard(connId: number, conn: Connection, req: Messages['OpenStandardMiningChannel'], now: number): void {
    if (conn.info.requiresWorkSelection === true) {
      this.hooks.send(connId, 'OpenMiningChannelError', { requestId: req.requestId, errorCode: MiningErrorCode.StandardChannelsNotSupportedForCustomWork });
      return;
    }
    this.open(connId, conn, req.requestId, req.userIdentity, (groupChannelId) => {
      const prefix = this.allocator.allocateStandard();
      try {
        return new StandardChannel({ ...this.channelOptions(conn, req.userIdentity, req.nominalHashRate, req.maxTarget, now, groupChannelId), extranoncePrefix: prefix });
      } catch (e) {
        this.allocator.release(prefix);
        throw e;
      }
    });
  }

  private openExtended(connId: number, conn: Connection, req: Messages['OpenExtendedMiningChannel'], now: number): void {
    if (conn.info.requiresStandardJobs) {
      this.hooks.send(connId, 'OpenMiningChannelError', { requestId: req.requestId, errorCode: MiningErrorCode.ExtendedChannelsNotSupportedForStandardJobs });
      return;
    }
    this.open(connId, conn, req.requestId, req.userIdentity, (groupChannelId) => {
      const alloc = this.allocator.allocateExtended(req.minExtranonceSize);
      try {
        return new ExtendedChannel({
          ...this.channelOptions(conn, req.userIdentity, req.nominalHashRate, req.maxTarget, now, groupChannelId),
          extranoncePrefix: alloc.extranoncePrefix,
          extranonceSize: alloc.extranonceSize,
        });
      } catch (e) {
        this.allocator.release(alloc.extranoncePrefix);
        throw e;
      }
    });
  }

  private open(connId: number, conn: Connection, requestId: number, userIdentity: string, make: (groupChannelId: number) => Channel): void {
    let payout: PayoutTarget | undefined;
    if (userIdentity.length > 0) {
      try {
        payout = parseUserIdentity(userIdentity, this.rules);
      } catch (e) {
        if (!(e instanceof UserIdentityError)) throw e;
        this.hooks.channelRefused?.(connId, userIdentity, e.reason);
        this.hooks.send(connId, 'OpenMiningChannelError', { requestId, errorCode: e.errorCode });
        return;
      }
    }
    // Channels that pay someone else than the pool's accounts never share the group's job.
    const grouped = conn.group !== null && payout?.kind !== 'solo';
    const admitted = admitChannel(userIdentity, conn.channels.size, this.opts.maxChannelsPerConnection ?? 10_000, () => make(grouped ? conn.group!.groupChannelId : 0));
    if ('errorCode' in admitted) {
      this.hooks.send(connId, 'OpenMiningChannelError', { requestId, errorCode: admitted.errorCode });
      return;
    }
    const ch = admitted.channel;
    conn.channels.set(ch.channelId, ch);
    this.openChannels[ch.kind]++;
    this.payouts.set(ch, payout!);
    if (grouped) conn.group!.add(ch);
    if (ch instanceof StandardChannel) this.hooks.send(connId, 'OpenStandardMiningChannelSuccess', ch.openSuccess(requestId));
    else this.hooks.send(connId, 'OpenExtendedMiningChannelSuccess', ch.openSuccess(requestId));
    this.hooks.channelOpened?.(connId, ch);
    if (conn.info.requiresWorkSelection !== true) this.jobs.firstJob(connId, ch);
  }

  private channelOptions(conn: Connection, userIdentity: string, nominalHashrate: number, maxTarget: Target, now: number, groupChannelId: number) {
    return {
      channelId: conn.nextChannelId++,
      userIdentity,
      maxTarget,
      nominalHashrate,
      sharesPerMinute: this.opts.sharesPerMinute,
      shareBatchSize: this.opts.shareBatchSize,
      now,
      jobIds: conn.jobIds,
      groupChannelId,
      ...(this.opts.maxSharesPerBlock !== undefined && { maxSeenShares: this.opts.maxSharesPerBlock }),
    };
  }

  private afterShare(
    connId: number,
    conn: Connection,
    ch: ServerChannel | undefined,
    result: ShareResult,
    share: { channelId: number; sequenceNumber: number; jobId: number },
    tlvs: Tlv[] | undefined,
  ): void {
    if (!result.ok) {
      // A channel counts its own rejects; one for no channel (of that kind) is the connection's.
      if (ch === undefined) conn.retired.reject(result.code);
      this.hooks.shareRejected?.(connId, share.channelId, result.code);
      this.hooks.send(connId, 'SubmitSharesError', result.error);
      return;
    }
    const channel = ch!;
    const payout = this.payouts.get(channel as Channel)!;
    if (result.block !== null) {
      this.hooks.blockFound({ block: result.block, connectionId: connId, channelId: channel.channelId, userIdentity: channel.userIdentity, payout, difficulty: result.difficulty, work: channel.job(result.block.jobId)?.work });
    }
    this.hooks.shareAccepted({
      connectionId: connId,
      channelId: channel.channelId,
      userIdentity: channel.userIdentity,
      worker: (tlvs === undefined ? undefined : findUserIdentity(tlvs)) ?? payout.worker,
      payout,
      sequenceNumber: share.sequenceNumber,
      jobId: share.jobId,
      difficulty: result.difficulty,
    });
    if (result.ack !== null) this.hooks.send(connId, 'SubmitSharesSuccess', result.ack);
  }

  private updateChannel(connId: number, conn: Connection, m: Messages['UpdateChannel'], now: number): void {
    const ch = conn.channels.get(m.channelId);
    if (ch === undefined) {
      this.hooks.send(connId, 'UpdateChannelError', { channelId: m.channelId, errorCode: MiningErrorCode.InvalidChannelId });
      return;
    }
    try {
      const setTarget = ch.updateChannel(m.nominalHashRate, m.maximumTarget, now);
      if (setTarget !== null) this.hooks.send(connId, 'SetTarget', setTarget);
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      this.hooks.send(connId, 'UpdateChannelError', { channelId: m.channelId, errorCode: e.errorCode });
    }
  }

  private setCustomJob(connId: number, conn: Connection, m: Messages['SetCustomMiningJob'], now: number): void {
    const refuse = (errorCode: string): void => this.hooks.send(connId, 'SetCustomMiningJobError', { channelId: m.channelId, requestId: m.requestId, errorCode });
    if (this.hooks.customJob === undefined || conn.info.requiresWorkSelection !== true) return refuse(MiningErrorCode.JdNotSupported);
    const ch = conn.channels.get(m.channelId);
    if (!(ch instanceof ExtendedChannel)) return refuse(MiningErrorCode.InvalidChannelId);
    const verdict = this.hooks.customJob(connId, m, ch, this.jobs.tip, now);
    if (typeof verdict === 'string') return refuse(verdict);
    this.hooks.send(connId, 'SetCustomMiningJobSuccess', ch.addCustomJob(verdict, m.requestId));
  }

  private releaseChannel(conn: Connection, ch: Channel): void {
    conn.retired.fold(ch.accounting);
    this.openChannels[ch.kind]--;
    this.allocator.release(ch.extranoncePrefix);
    for (const p of ch.takeRetiredPrefixes()) this.allocator.release(p);
  }
}
