/**
 * The proxy's channels on its current upstream. Aggregated (`aggregate_channels = true`): one
 * extended channel carries every device. Not aggregated: one extended channel per device channel,
 * opened under the device's identity (`deviceUserIdentity`) so the pool accounts each device, with
 * the device's hashrate; its jobs feed that device channel alone and its answers come back to it.
 *
 * A device's own upstream channel is extended whether the device's is standard or extended: the
 * device channel stays the proxy's (its id, target, extranonce prefix and vardiff), so a switch to
 * another upstream changes nothing the device sees but the jobs, and one code path serves both
 * kinds. The upstream sees pad ‖ the device's prefix ‖ what it rolls, as in the aggregated layout.
 *
 * On a new upstream connection every channel is opened again; devices keep theirs. Pure like
 * `UpstreamChannel`: no I/O, no clock of its own.
 */
import type { Logger } from 'pino';
import type { ChainTip } from '../../channels/chain-tip.js';
import type { ClientChannel } from '../../channels/client-channel.js';
import type { AnyMessage } from '../../messages/registry.js';
import type { DeviceRef, ForwardOutcome } from '../common/device-channels.js';
import { deviceUserIdentity, type UpstreamAction, type UpstreamLink } from '../common/upstream.js';
import { UpstreamChannel, type ProxyWork, type UpstreamIds } from './upstream-channel.js';

export interface ProxyUpstreamHooks {
  /** work for every device (device null: the aggregated channel's) or for one device channel */
  work(work: ProxyWork, device: DeviceRef | null): void;
  newTip(templateId: bigint, tip: ChainTip, device: DeviceRef | null): void;
  action(action: UpstreamAction): void;
  answered(device: DeviceRef, accepted: boolean, errorCode?: string): void;
  /** the upstream refused or closed a device's own channel */
  refused(device: DeviceRef, reason: string): void;
  /** the hashrate a channel announces: the devices' total (null) or one device channel's */
  hashrate(device: DeviceRef | null): number;
}

export type UpstreamCounts = UpstreamChannel['counts'];

/** An upstream channel and the device it serves (null: every device). */
export interface UpstreamChannelView {
  channel: ClientChannel;
  device: DeviceRef | null;
  userIdentity: string;
}

interface Lane {
  device: DeviceRef;
  identity: string;
  up: UpstreamChannel;
}

const key = (d: DeviceRef): string => `${d.connectionId}/${d.channelId}`;

export class ProxyUpstream {
  private readonly ids: UpstreamIds = { epoch: 0, request: 0 };
  private link: { link: UpstreamLink; userIdentity: string; label: string } | null = null;
  private readonly aggregate: UpstreamChannel | null;
  private readonly lanes = new Map<string, Lane>();
  private readonly byChannel = new Map<number, UpstreamChannel>();
  private readonly byRequest = new Map<number, UpstreamChannel>();
  private connects = 0;
  /** what channels of devices that are gone had counted */
  private readonly retired: UpstreamCounts = { switches: 0, forwarded: 0, accepted: 0, rejected: new Map(), unanswered: 0 };

  constructor(
    private readonly extranonceSize: number,
    aggregated: boolean,
    private readonly hooks: ProxyUpstreamHooks,
    private readonly log: Logger,
  ) {
    this.aggregate = aggregated
      ? new UpstreamChannel(
          extranonceSize,
          { work: (w) => hooks.work(w, null), newTip: (id, tip) => hooks.newTip(id, tip, null), action: (a) => hooks.action(a), answered: (d, ok, code) => hooks.answered(d, ok, code) },
          log,
          this.ids,
        )
      : null;
  }

  get connected(): boolean {
    return this.link !== null;
  }

  get label(): string | null {
    return this.link?.label ?? null;
  }

  /** The upstream can take shares: its aggregated channel is open, or (per device) it is connected. */
  get open(): boolean {
    return this.aggregate !== null ? this.aggregate.liveEpoch !== null : this.link !== null;
  }

  get channels(): UpstreamChannelView[] {
    const out: UpstreamChannelView[] = [];
    const agg = this.aggregate?.channel;
    if (agg !== null && agg !== undefined) out.push({ channel: agg, device: null, userIdentity: this.aggregate!.userIdentity! });
    for (const lane of this.lanes.values()) {
      const ch = lane.up.channel;
      if (ch !== null) out.push({ channel: ch, device: lane.device, userIdentity: lane.up.userIdentity! });
    }
    return out;
  }

  /** What the upstream channels announce, summed. */
  get nominalHashrate(): number | null {
    if (this.aggregate !== null) return this.aggregate.nominalHashrate;
    let sum: number | null = null;
    for (const lane of this.lanes.values()) {
      const h = lane.up.nominalHashrate;
      if (h !== null) sum = (sum ?? 0) + h;
    }
    return sum;
  }

  get counts(): UpstreamCounts {
    if (this.aggregate !== null) return this.aggregate.counts;
    const sum: UpstreamCounts = { ...this.retired, rejected: new Map(this.retired.rejected), switches: Math.max(0, this.connects - 1) };
    for (const lane of this.lanes.values()) {
      const c = lane.up.counts;
      sum.forwarded += c.forwarded;
      sum.accepted += c.accepted;
      sum.unanswered += c.unanswered;
      for (const [code, n] of c.rejected) sum.rejected.set(code, (sum.rejected.get(code) ?? 0) + n);
    }
    return sum;
  }

  connect(link: UpstreamLink, userIdentity: string, label: string): void {
    this.connects++;
    this.link = { link, userIdentity, label };
    this.byChannel.clear();
    this.byRequest.clear();
    this.aggregate?.connect(link, userIdentity, label);
    for (const lane of this.lanes.values()) lane.up.connect(link, deviceUserIdentity(userIdentity, lane.identity), label);
  }

  disconnect(): void {
    this.link = null;
    this.byChannel.clear();
    this.byRequest.clear();
    this.aggregate?.disconnect();
    for (const lane of this.lanes.values()) lane.up.disconnect();
  }

  /** A device channel opened: the aggregated channel opens with the first, or the device gets its own. */
  addDevice(device: DeviceRef, identity: string, now: number): void {
    if (this.aggregate !== null) {
      this.sync(this.aggregate, null, now);
      return;
    }
    const up = new UpstreamChannel(
      this.extranonceSize,
      {
        work: (w) => this.hooks.work(w, device),
        newTip: (id, tip) => this.hooks.newTip(id, tip, device),
        action: (a) => this.hooks.action(a),
        answered: (d, ok, code) => this.hooks.answered(d, ok, code),
        opened: (channelId) => this.byChannel.set(channelId, up),
        refused: (reason) => this.hooks.refused(device, reason),
      },
      this.log,
      this.ids,
    );
    this.lanes.set(key(device), { device, identity, up });
    if (this.link !== null) up.connect(this.link.link, deviceUserIdentity(this.link.userIdentity, identity), this.link.label);
    this.sync(up, device, now);
  }

  /** A device channel is gone: its own upstream channel is closed. */
  removeDevice(device: DeviceRef): void {
    const lane = this.lanes.get(key(device));
    if (lane === undefined) return;
    this.lanes.delete(key(device));
    lane.up.close('downstream channel closed');
    const c = lane.up.counts;
    this.retired.forwarded += c.forwarded;
    this.retired.accepted += c.accepted;
    this.retired.unanswered += c.unanswered;
    for (const [code, n] of c.rejected) this.retired.rejected.set(code, (this.retired.rejected.get(code) ?? 0) + n);
  }

  /** Once a tick: channels not open yet are asked for, open ones follow their hashrate (UpdateChannel). */
  tick(now: number): void {
    if (this.aggregate !== null) this.sync(this.aggregate, null, now);
    for (const lane of this.lanes.values()) this.sync(lane.up, lane.device, now);
  }

  private sync(up: UpstreamChannel, device: DeviceRef | null, now: number): void {
    const hashrate = this.hooks.hashrate(device);
    if (up.channel !== null) {
      up.update(hashrate, now);
      return;
    }
    up.open(hashrate, now);
    if (up.requestId !== null) this.byRequest.set(up.requestId, up);
  }

  private channelOf(device: DeviceRef): UpstreamChannel | undefined {
    return this.aggregate ?? this.lanes.get(key(device))?.up;
  }

  forward(work: ProxyWork, share: { nonce: number; ntime: number; version: number }, extranonce: Uint8Array, hash: Uint8Array, device: DeviceRef): ForwardOutcome {
    return this.channelOf(device)?.forward(work, share, extranonce, hash, device) ?? 'upstream-unavailable';
  }

  /** Work of the channel the device mines through now: its shares can still be paid. */
  isLive(work: ProxyWork, device: DeviceRef): boolean {
    const live = this.channelOf(device)?.liveEpoch;
    return live !== null && live !== undefined && work.upstream.epoch === live;
  }

  /** A message from the upstream; false for one no channel takes. */
  onMessage(m: AnyMessage): boolean {
    if (this.aggregate !== null) return this.aggregate.onMessage(m);
    switch (m.name) {
      case 'Reconnect':
        this.hooks.action({ type: 'reconnect', host: m.message.newHost === '' ? null : m.message.newHost, port: m.message.newPort === 0 ? null : m.message.newPort });
        return true;
      case 'SetGroupChannel':
        return true; // group ids arrive with Open*Success; a member's messages are routed by it
      case 'UpdateChannelError':
        this.log.warn({ channel: m.message.channelId, errorCode: m.message.errorCode }, 'upstream refused UpdateChannel');
        return true;
      case 'OpenExtendedMiningChannelSuccess':
      case 'OpenMiningChannelError': {
        const up = this.byRequest.get(m.message.requestId);
        this.byRequest.delete(m.message.requestId);
        if (up !== undefined) up.onMessage(m);
        else if (m.name === 'OpenExtendedMiningChannelSuccess') this.link?.link.send('CloseChannel', { channelId: m.message.channelId, reasonCode: 'unexpected-channel' });
        return true;
      }
      case 'NewExtendedMiningJob':
      case 'SetNewPrevHash':
      case 'SetTarget':
      case 'SetExtranoncePrefix':
      case 'SubmitSharesSuccess':
      case 'SubmitSharesError':
      case 'CloseChannel':
      case 'ChannelEndpointChanged': {
        const id = m.message.channelId;
        const up = this.byChannel.get(id);
        if (up !== undefined && up.channel?.channelId === id) {
          up.onMessage(m);
          return true;
        }
        // A group id addresses every member (the pool broadcasts one job to its group).
        for (const lane of this.lanes.values()) if (lane.up.channel?.groupChannelId === id && id !== 0) lane.up.onMessage(m);
        return true;
      }
      default:
        return false;
    }
  }
}
