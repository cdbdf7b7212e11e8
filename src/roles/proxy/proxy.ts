/**
 * The Sv2 mining proxy (`sv2 proxy`): devices connect over Noise to its `DownstreamServer`, the
 * `UpstreamManager` keeps one pool connection (the next upstream when it is lost or refuses us,
 * the same code as the translator's), and one aggregated extended channel on it carries every
 * device. Devices never notice a switch: their channels, ids, targets and extranonces stay, and
 * the new upstream's first job reaches them as soon as it arrives.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AnyMessage } from '../../messages/registry.js';
import { DeviceFront, type DevicePeer } from '../common/device-front.js';
import type { DownstreamServer } from '../common/downstream-server.js';
import { HistoryRecorder, MemoryHistory, type HistoryReading } from '../common/history.js';
import { rejectedTotal } from '../../channels/share-accounting.js';
import { silentLogger } from '../common/logger.js';
import type { UpstreamLink } from '../common/upstream.js';
import { sv2Connector } from '../common/upstream-connect.js';
import { UpstreamManager, type BackoffOptions, type UpstreamClient, type UpstreamConnector } from '../common/upstream-manager.js';
import type { ProxySettings } from './config.js';
import { DeviceChannels } from '../common/device-channels.js';
import type { DeviceRef, ProxyWork } from './upstream-channel.js';
import { ProxyUpstream } from './proxy-upstream.js';

export interface ProxyOptions {
  settings: ProxySettings;
  logger?: Logger;
  /** how to reach a pool; default: Noise NX over TCP with SetupConnection */
  connect?: UpstreamConnector;
  backoff?: BackoffOptions;
  now?: () => number;
  /** period of vardiff, partial acks and the upstream hashrate check (default 1 s) */
  tickMs?: number;
  setupTimeoutMs?: number;
  /** period of the dashboard's history points (default a minute) */
  historyIntervalMs?: number;
}

/** What the proxy keeps of a device connection beyond the server's and the channels'. */
export type ProxyPeer = DevicePeer;

/** An upstream switch: the old upstream's last job, its loss, and the new one's first job reaching the devices (ms). */
export interface SwitchGap {
  lastJobAt: number | null;
  lostAt: number | null;
  firstJobAt: number;
}

/** What a live view or a test awaits. */
export interface ProxyEvents {
  /** the upstream answered a forwarded share of this device channel */
  'share-answered': [device: DeviceRef, accepted: boolean, errorCode: string | undefined];
  /** the first job of a newly connected upstream reached the devices */
  switched: [gap: SwitchGap];
  'upstream-connected': [label: string];
  'upstream-lost': [reason: string];
}

export class Proxy implements UpstreamClient {
  readonly devices: DeviceChannels<ProxyWork>;
  readonly upstream: ProxyUpstream;
  readonly startedAt: number;
  readonly now: () => number;
  /** the gap of every upstream switch, for the API and the tests */
  readonly switchGaps: SwitchGap[] = [];
  readonly events = new EventEmitter<ProxyEvents>();
  /** per-interval points behind the dashboard's charts (a day, in memory) */
  readonly history: HistoryRecorder;
  private readonly log: Logger;
  private front: DeviceFront<ProxyWork> | undefined;
  private manager: UpstreamManager | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastJobAt: number | null = null;
  private lostAt: number | null = null;
  private awaitingFirstJob = false;
  private closed = false;

  private constructor(private readonly opts: ProxyOptions) {
    const s = opts.settings;
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.upstream = new ProxyUpstream(
      s.downstreamExtranonceSize,
      s.aggregateChannels,
      {
        work: (w, device) => {
          this.noteJob();
          if (device === null) this.devices.onWork(w);
          else this.devices.onChannelWork(device, w);
        },
        newTip: (id, tip, device) => {
          this.noteJob();
          if (device === null) this.devices.onNewTip(id, tip);
          else this.devices.onChannelTip(device, id, tip);
        },
        action: (a) => this.manager?.act(a),
        answered: (d, ok, code) => {
          this.devices.answered(d, ok, code);
          this.events.emit('share-answered', d, ok, code);
        },
        refused: (d, reason) => {
          this.log.warn({ client: d.connectionId, channel: d.channelId, reason }, 'upstream refused a device\'s channel; closing it');
          this.devices.closeChannel(d, 'upstream-refused');
        },
        hashrate: (d) => (d === null ? this.upstreamHashrate() : (this.devices.channelOf(d)?.nominalHashrate ?? 0)),
      },
      this.log.child({ component: 'upstream-channel' }),
    );
    this.devices = new DeviceChannels(
      {
        sharesPerMinute: s.sharesPerMinute,
        shareBatchSize: s.shareBatchSize,
        extranonceSize: s.downstreamExtranonceSize,
        maxChannels: s.maxChannels,
        // a nested proxy below that does not aggregate opens one channel per device of its own
        maxChannelsPerConnection: s.maxChannels,
        workPerChannel: !s.aggregateChannels,
      },
      {
        send: (id, name, message) => this.front?.send(id, name, message),
        forward: (work, share, extranonce, hash, device) => this.upstream.forward(work, share, extranonce, hash, device),
        isLive: (work, device) => this.upstream.isLive(work, device),
        opened: (device, ch) => this.upstream.addDevice(device, ch.userIdentity, this.now()),
        closed: (device) => this.upstream.removeDevice(device),
      },
    );
    this.history = new HistoryRecorder(() => this.historyReading(), new MemoryHistory(24 * 60), { now: this.now, ...(opts.historyIntervalMs !== undefined && { intervalMs: opts.historyIntervalMs }) });
  }

  private historyReading(): HistoryReading {
    const t = this.devices.totals();
    return { hashrate: this.devices.totalHashrate(), accepted: t.accepted, rejected: rejectedTotal(t), blocks: t.blocksFound, connections: this.front?.downstreams.size ?? 0, channels: this.devices.channelCount };
  }

  /** Listens for devices and starts connecting upstream; resolves once the listener is bound. */
  static async start(opts: ProxyOptions): Promise<Proxy> {
    const proxy = new Proxy(opts);
    try {
      await proxy.startParts();
    } catch (e) {
      await proxy.close();
      throw e;
    }
    return proxy;
  }

  get port(): number {
    return this.front!.port;
  }

  get downstreams(): DownstreamServer<ProxyPeer> {
    return this.front!.downstreams;
  }

  get upstreams(): UpstreamManager {
    return this.manager!;
  }

  /** One upstream channel for every device (true), or one per device channel. */
  get aggregateChannels(): boolean {
    return this.opts.settings.aggregateChannels;
  }

  /** UpstreamClient: devices connected now. */
  get downstreamCount(): number {
    return this.front?.downstreams.size ?? 0;
  }

  private async startParts(): Promise<void> {
    const s = this.opts.settings;
    this.front = await DeviceFront.listen(s, this.devices, { log: this.log.child({ component: 'devices' }), now: this.now, setupTimeoutMs: this.opts.setupTimeoutMs });
    const connector = this.opts.connect ?? sv2Connector({ minVersion: s.minVersion, maxVersion: s.maxVersion, firmware: 'sv2 proxy', onWarning: (m) => this.log.warn(m) });
    this.manager = new UpstreamManager(s.upstreams, connector, this, this.log.child({ component: 'upstream' }), this.opts.backoff, s.returnToPreferredMs);
    this.manager.start();
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 1_000);
    this.timer.unref();
    this.history.start();
    this.log.info({ port: this.port, upstreams: s.upstreams.length }, 'proxy listening');
    if (s.ignored.length > 0) this.log.warn({ keys: s.ignored }, 'config keys accepted for SRI compatibility but not acted on');
  }

  // --- the pool (UpstreamClient) ---

  upstreamConnected(link: UpstreamLink, userIdentity: string, label: string): void {
    this.upstream.connect(link, userIdentity, label);
    this.awaitingFirstJob = true;
    this.log.info({ upstream: label }, 'upstream connected');
    this.events.emit('upstream-connected', label);
    this.upstream.tick(this.now());
  }

  upstreamDisconnected(reason: string): void {
    this.log.warn({ upstream: this.upstream.label, reason }, 'upstream lost; devices stay');
    this.upstream.disconnect();
    this.lostAt = this.now();
    this.events.emit('upstream-lost', reason);
  }

  upstreamMessage(m: AnyMessage): void {
    if (!this.upstream.onMessage(m)) this.log.debug({ msg: m.name }, 'upstream message ignored');
  }

  /** What the upstream channel announces: the devices' total, or the configured estimate before any device has one. */
  private upstreamHashrate(): number {
    const total = this.devices.totalHashrate();
    return total > 0 ? total : (this.opts.settings.expectedHashrate ?? 0);
  }

  private noteJob(): void {
    const now = this.now();
    if (this.awaitingFirstJob) {
      this.awaitingFirstJob = false;
      const gap = { lastJobAt: this.lastJobAt, lostAt: this.lostAt, firstJobAt: now };
      this.switchGaps.push(gap);
      if (this.switchGaps.length > 64) this.switchGaps.shift();
      this.events.emit('switched', gap);
    }
    this.lastJobAt = now;
  }

  private tick(): void {
    const now = this.now();
    this.devices.tick(now);
    this.upstream.tick(now);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.history.stop();
    await this.manager?.stop();
    await this.front?.close('proxy shutting down');
  }
}
