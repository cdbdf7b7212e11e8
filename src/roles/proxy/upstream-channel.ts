/**
 * The proxy's one extended channel on its current upstream, carrying every device (aggregated).
 * Upstream jobs become `Work` for the device channels; device shares that meet the upstream
 * target go up; the upstream's answers come back to the device they belong to.
 *
 * Extranonce layout, the same on every upstream so a switch needs no SetExtranoncePrefix:
 *
 *   upstream coinbase prefix ‖ upstream channel prefix ‖ pad (zeros) ‖ device prefix ‖ device rolls
 *   └─────────────── the devices' coinbase prefix ────────────────┘ └── downstream_extranonce_size ─┘
 *
 * The pad is what the upstream grants beyond `downstream_extranonce_size`; the upstream sees
 * pad ‖ device bytes as the extranonce it granted. Pure: no I/O, no clock; hooks say what happened.
 */
import type { Logger } from 'pino';
import { concatBytes } from '../../bitcoin/bytes.js';
import { hashMeetsTarget } from '../../bitcoin/target.js';
import { chainTipFromMining, type ChainTip } from '../../channels/chain-tip.js';
import { ClientChannel } from '../../channels/client-channel.js';
import { ChannelError } from '../../channels/errors.js';
import type { Work } from '../../channels/work.js';
import type { AnyMessage, Messages } from '../../messages/registry.js';
import type { DeviceRef, ForwardOutcome } from '../common/device-channels.js';
import { hashrateUpdateDue, MAX_UPSTREAM_TARGET as MAX_TARGET, type UpstreamAction, type UpstreamLink } from '../common/upstream.js';

export type { DeviceRef, ForwardOutcome };

/** Work made from an upstream job: where it came from, so a share can go back there. */
export interface ProxyWork extends Work {
  readonly upstream: { readonly epoch: number; readonly jobId: number };
}


export interface UpstreamChannelHooks {
  work(work: ProxyWork): void;
  newTip(templateId: bigint, tip: ChainTip): void;
  action(action: UpstreamAction): void;
  answered(device: DeviceRef, accepted: boolean, errorCode?: string): void;
  /** the channel is open (a fresh one after every connect or ChannelEndpointChanged) */
  opened?(channelId: number): void;
  /**
   * The upstream refused or closed this channel. Without this hook that means the upstream cannot
   * serve us (fall back to the next); a device's own channel instead ends that device's channel.
   */
  refused?(reason: string): void;
}

/** Counters the channels of one proxy share, so work ids and request ids stay unique across them. */
export interface UpstreamIds {
  epoch: number;
  request: number;
}


/** Forwarded shares remembered for the upstream's answer; older ones are forgotten (counted as unanswered). */
const MAX_IN_FLIGHT = 65_536;

/** A work id unique across upstream connections: the epoch in the high bits, the upstream job id low. */
export function workId(epoch: number, jobId: number): bigint {
  return (BigInt(epoch) << 32n) | BigInt(jobId >>> 0);
}

interface Live {
  link: UpstreamLink;
  userIdentity: string;
  label: string;
  epoch: number;
  requestId: number | null;
  channel: ClientChannel | null;
  pad: Uint8Array;
  lastUpdate: { at: number; hashrate: number } | null;
}

export class UpstreamChannel {
  private live: Live | null = null;
  private connects = 0;
  private nextSequence = 0;
  private readonly inFlight = new Map<number, DeviceRef>();
  /** counts for monitoring */
  readonly counts = { switches: 0, forwarded: 0, accepted: 0, rejected: new Map<string, number>(), unanswered: 0 };

  constructor(
    /** the extranonce bytes every device channel has (asked of the upstream as min_extranonce_size) */
    private readonly downstreamExtranonceSize: number,
    private readonly hooks: UpstreamChannelHooks,
    private readonly log: Logger,
    private readonly ids: UpstreamIds = { epoch: 0, request: 0 },
  ) {}

  get connected(): boolean {
    return this.live !== null;
  }

  /** The epoch of the upstream channel that work must come from for its shares to go up; null when none is open. */
  get liveEpoch(): number | null {
    return this.live?.channel !== null && this.live !== null ? this.live.epoch : null;
  }

  get label(): string | null {
    return this.live?.label ?? null;
  }

  get channel(): ClientChannel | null {
    return this.live?.channel ?? null;
  }

  get nominalHashrate(): number | null {
    return this.live?.lastUpdate?.hashrate ?? null;
  }

  get userIdentity(): string | null {
    return this.live?.userIdentity ?? null;
  }

  /** The OpenExtendedMiningChannel in flight, if any. */
  get requestId(): number | null {
    return this.live?.requestId ?? null;
  }

  connect(link: UpstreamLink, userIdentity: string, label: string): void {
    if (this.connects++ > 0) this.counts.switches++;
    this.live = { link, userIdentity, label, epoch: ++this.ids.epoch, requestId: null, channel: null, pad: new Uint8Array(0), lastUpdate: null };
    this.forgetInFlight();
  }

  /** The device this channel served is gone: its upstream channel is closed too. */
  close(reasonCode: string): void {
    const channel = this.live?.channel;
    if (channel !== null && channel !== undefined) this.live!.link.send('CloseChannel', { channelId: channel.channelId, reasonCode });
    this.disconnect();
  }

  disconnect(): void {
    this.live = null;
    this.forgetInFlight();
  }

  /** Opens the aggregate channel unless it is open or asked for. */
  open(hashrate: number, now: number): void {
    const live = this.live;
    if (live === null || live.channel !== null || live.requestId !== null || hashrate <= 0) return;
    live.requestId = ++this.ids.request;
    live.lastUpdate = { at: now, hashrate };
    live.link.send('OpenExtendedMiningChannel', {
      requestId: live.requestId,
      userIdentity: live.userIdentity,
      nominalHashRate: hashrate,
      maxTarget: MAX_TARGET,
      minExtranonceSize: this.downstreamExtranonceSize,
    });
  }

  /** UpdateChannel when the devices' total moved by more than 10 %, at most once a second. */
  update(hashrate: number, now: number): void {
    const live = this.live;
    if (live === null || live.channel === null || !hashrateUpdateDue(live.lastUpdate, hashrate, now)) return;
    live.lastUpdate = { at: now, hashrate };
    live.link.send('UpdateChannel', { channelId: live.channel.channelId, nominalHashRate: hashrate, maximumTarget: MAX_TARGET });
  }

  /**
   * A device share that passed the device's checks: it goes up when it meets the upstream job's
   * target. `deviceExtranonce` is the device's whole extranonce (its prefix ‖ what it rolled).
   */
  forward(work: ProxyWork, share: { nonce: number; ntime: number; version: number }, deviceExtranonce: Uint8Array, hash: Uint8Array, device: DeviceRef): ForwardOutcome {
    const live = this.live;
    const channel = live?.channel;
    if (live === null || channel === null || channel === undefined || work.upstream.epoch !== live.epoch) return 'upstream-unavailable';
    const job = channel.job(work.upstream.jobId);
    if (job === undefined) return 'upstream-stale';
    if (!hashMeetsTarget(hash, job.target)) return 'below-upstream-target';
    const sequenceNumber = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) >>> 0;
    this.inFlight.set(sequenceNumber, device);
    if (this.inFlight.size > MAX_IN_FLIGHT) {
      this.inFlight.delete(this.inFlight.keys().next().value!);
      this.counts.unanswered++;
    }
    this.counts.forwarded++;
    live.link.send('SubmitSharesExtended', {
      channelId: channel.channelId,
      sequenceNumber,
      jobId: job.jobId,
      nonce: share.nonce,
      ntime: share.ntime,
      version: share.version,
      extranonce: live.pad.length === 0 ? deviceExtranonce : concatBytes(live.pad, deviceExtranonce),
    });
    return 'forwarded';
  }

  /** A message from the upstream; false for one this channel does not take. */
  onMessage(m: AnyMessage): boolean {
    const live = this.live;
    if (live === null) return false;
    switch (m.name) {
      case 'OpenExtendedMiningChannelSuccess':
        this.onOpened(live, m.message);
        return true;
      case 'OpenMiningChannelError':
        if (m.message.requestId === live.requestId) {
          live.requestId = null;
          this.fail(`upstream refused the channel: ${m.message.errorCode}`);
        }
        return true;
      case 'NewExtendedMiningJob':
        if (this.ours(live, m.message.channelId)) this.onJob(live, m.message);
        return true;
      case 'SetNewPrevHash':
        if (this.ours(live, m.message.channelId)) {
          const channel = live.channel!;
          if (this.channelCall(() => channel.onSetNewPrevHash(m.message)) !== undefined) this.hooks.newTip(workId(live.epoch, m.message.jobId), chainTipFromMining(m.message));
        }
        return true;
      case 'SetTarget':
        if (this.ours(live, m.message.channelId)) live.channel!.onSetTarget(m.message);
        return true;
      case 'SetExtranoncePrefix':
        if (live.channel?.channelId === m.message.channelId) {
          const channel = live.channel;
          this.channelCall(() => channel.onSetExtranoncePrefix(m.message));
        }
        return true;
      case 'SetGroupChannel':
        return true; // the group id is known from Open*Success; membership of one channel changes nothing here
      case 'SubmitSharesSuccess':
        if (live.channel?.channelId === m.message.channelId) this.onAccepted(m.message.lastSequenceNumber);
        return true;
      case 'SubmitSharesError':
        if (live.channel?.channelId === m.message.channelId) this.onRejected(m.message.sequenceNumber, m.message.errorCode);
        return true;
      case 'UpdateChannelError':
        this.log.warn({ channel: m.message.channelId, errorCode: m.message.errorCode }, 'upstream refused UpdateChannel');
        return true;
      case 'CloseChannel':
        if (live.channel?.channelId === m.message.channelId) {
          live.channel = null;
          this.fail(`upstream closed the channel: ${m.message.reasonCode}`);
        }
        return true;
      case 'Reconnect':
        this.hooks.action({ type: 'reconnect', host: m.message.newHost === '' ? null : m.message.newHost, port: m.message.newPort === 0 ? null : m.message.newPort });
        return true;
      case 'ChannelEndpointChanged':
        // The channel moved: open a new one on this connection (the next open() call does).
        if (live.channel?.channelId === m.message.channelId) {
          this.log.warn({ channel: m.message.channelId }, 'upstream channel endpoint changed; reopening');
          live.channel = null;
          live.epoch = ++this.ids.epoch;
          this.counts.switches++;
          this.forgetInFlight();
        }
        return true;
      default:
        return false;
    }
  }

  private onOpened(live: Live, m: Messages['OpenExtendedMiningChannelSuccess']): void {
    if (m.requestId !== live.requestId) {
      live.link.send('CloseChannel', { channelId: m.channelId, reasonCode: 'unexpected-channel' });
      return;
    }
    live.requestId = null;
    if (m.extranonceSize < this.downstreamExtranonceSize) {
      live.link.send('CloseChannel', { channelId: m.channelId, reasonCode: 'extranonce-too-small' });
      this.fail(`upstream granted ${m.extranonceSize} extranonce bytes, the devices need ${this.downstreamExtranonceSize}`);
      return;
    }
    live.channel = new ClientChannel({ channelId: m.channelId, extranoncePrefix: m.extranoncePrefix, extranonceSize: m.extranonceSize, target: m.target, groupChannelId: m.groupChannelId });
    live.pad = new Uint8Array(m.extranonceSize - this.downstreamExtranonceSize);
    this.log.info({ upstream: live.label, channel: m.channelId, group: m.groupChannelId, extranonceSize: m.extranonceSize }, 'upstream channel open');
    this.hooks.opened?.(m.channelId);
  }

  private fail(reason: string): void {
    if (this.hooks.refused !== undefined) this.hooks.refused(reason);
    else this.hooks.action({ type: 'fallback', reason });
  }

  private onJob(live: Live, m: Messages['NewExtendedMiningJob']): void {
    const channel = live.channel!;
    const job = this.channelCall(() => channel.onNewExtendedMiningJob(m));
    if (job === undefined) return;
    const strippedPrefix = concatBytes(m.coinbaseTxPrefix, job.extranoncePrefix, live.pad);
    const work: ProxyWork = {
      templateId: workId(live.epoch, m.jobId),
      future: m.minNtime === null,
      version: m.version,
      merklePath: m.merklePath,
      // The proxy never assembles a block (the pool does), so the BIP141 forms are the stripped ones.
      coinbase: { prefix: strippedPrefix, suffix: m.coinbaseTxSuffix, strippedPrefix, strippedSuffix: m.coinbaseTxSuffix, extranonceSize: this.downstreamExtranonceSize, segwit: false },
      customTip: null,
      upstream: { epoch: live.epoch, jobId: m.jobId },
    };
    this.hooks.work(work);
  }

  /** The channel's id or its group's. */
  private ours(live: Live, channelId: number): boolean {
    const c = live.channel;
    return c !== null && (c.channelId === channelId || (c.groupChannelId !== 0 && c.groupChannelId === channelId));
  }

  private onAccepted(lastSequenceNumber: number): void {
    for (const [seq, device] of this.inFlight) {
      if (seq > lastSequenceNumber) break;
      this.inFlight.delete(seq);
      this.counts.accepted++;
      this.hooks.answered(device, true);
    }
  }

  private onRejected(sequenceNumber: number, errorCode: string): void {
    const device = this.inFlight.get(sequenceNumber);
    if (device === undefined) return;
    this.inFlight.delete(sequenceNumber);
    this.counts.rejected.set(errorCode, (this.counts.rejected.get(errorCode) ?? 0) + 1);
    this.hooks.answered(device, false, errorCode);
  }

  private forgetInFlight(): void {
    this.counts.unanswered += this.inFlight.size;
    this.inFlight.clear();
    this.nextSequence = 0;
  }

  /** An upstream message the channel refuses is logged and dropped (the connection carries on). */
  private channelCall<T>(update: () => T): T | undefined {
    try {
      return update();
    } catch (error) {
      if (!(error instanceof ChannelError)) throw error;
      this.log.warn({ errorCode: error.errorCode, error: error.message }, 'upstream message refused');
      return undefined;
    }
  }
}
