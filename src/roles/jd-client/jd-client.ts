/**
 * The JD client (`sv2 jd-client`): templates from the miner's own node, Sv2 devices (and the
 * translator) served on the shared device channels, and one upstream at a time — a pool and its
 * JDS — to which each template is declared and announced as a custom job. Devices mine every
 * template at once: pool work while an upstream is in use (optimistic, before its answers), solo
 * work paying coinbase_reward_script when none is. A refusal or a lost pool or JDS switches the
 * devices to solo work of the same template in the same turn, and the upstream manager goes on to
 * the next upstream, and back to the first when it answers again: no device is ever disconnected.
 * A block goes to our node at once, and to the JDS (PushSolution) when it was declared there.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import { serializeOutputs, type TxOut } from '../../bitcoin/tx.js';
import { chainTipFromTdp } from '../../channels/chain-tip.js';
import { ChannelError } from '../../channels/errors.js';
import { submitSolution, type BlockFound } from '../../channels/share-result.js';
import { coinbaseTag } from '../../channels/work.js';
import type { AnyMessage, Messages } from '../../messages/registry.js';
import { DeviceChannels, type DeviceRef } from '../common/device-channels.js';
import { DeviceFront, type DevicePeer } from '../common/device-front.js';
import type { DownstreamServer } from '../common/downstream-server.js';
import { silentLogger } from '../common/logger.js';
import { templateFeedFrom } from '../common/template-provider-type.js';
import type { TemplateFeed } from '../common/template-feed.js';
import type { UpstreamAction, UpstreamLink } from '../common/upstream.js';
import { UpstreamManager, type BackoffOptions, type UpstreamClient, type UpstreamConnector } from '../common/upstream-manager.js';
import type { JdcSettings } from './config.js';
import { JdcConnector } from './connect.js';
import { Declarator } from './declarator.js';
import { poolWork, soloWork, type JdcWork, type JobOptions } from './jobs.js';
import { TemplateView } from './templates.js';
import { payoutMismatch } from '../common/payout-script.js';

export interface JdClientOptions {
  settings: JdcSettings;
  logger?: Logger;
  /** templates from here instead of `[template_provider_type]` (the stack, tests) */
  feed?: TemplateFeed;
  connect?: UpstreamConnector;
  backoff?: BackoffOptions;
  now?: () => number;
  tickMs?: number;
}

export type JdcPeer = DevicePeer;

/** A block found by our devices. */
export interface JdcBlock {
  hash: string;
  templateId: string;
  /** the upstream whose custom job it was, or null for solo */
  upstream: string | null;
  at: number;
  /** the node's verdict when the feed gives one */
  accepted: boolean | null;
  reason: string | null;
  pushedToJds: boolean;
}

export interface JdClientEvents {
  /** the devices mine solo (null) or for this upstream */
  mode: [upstream: string | null];
  /** a template reached the devices (ms since it came from the node) */
  work: [work: JdcWork, ms: number];
  /** the pool took a custom job */
  'custom-job': [work: JdcWork, jobId: number];
  block: [block: JdcBlock];
  'share-answered': [device: DeviceRef, accepted: boolean, errorCode: string | undefined];
  fallback: [reason: string];
}

/** Room the node first leaves in the coinbase for the pool's outputs (several P2TR outputs); it grows with them. */
const COINBASE_ROOM = 400;
const MAX_BLOCKS_KEPT = 256;

export class JdClient implements UpstreamClient {
  readonly devices: DeviceChannels<JdcWork>;
  readonly events = new EventEmitter<JdClientEvents>();
  readonly now: () => number;
  readonly startedAt: number;
  readonly blocks: JdcBlock[] = [];
  /** since start, over every upstream connection */
  readonly counts = { fallbacks: 0, blocksFound: 0, soloBlocks: 0, customJobs: 0, upstreamAccepted: 0, upstreamRejected: 0 };
  readonly settings: JdcSettings;
  templates!: TemplateView;
  declarator: Declarator | null = null;
  private readonly log: Logger;
  private readonly jobOptions: JobOptions;
  private readonly workOf = new Map<bigint, JdcWork>();
  private coinbaseRoom = COINBASE_ROOM;
  private readonly connector: JdcConnector;
  private front: DeviceFront<JdcWork> | undefined;
  private manager: UpstreamManager | undefined;
  private timer: NodeJS.Timeout | undefined;
  private epoch = 0;
  private closed = false;

  private constructor(private readonly opts: JdClientOptions) {
    this.settings = opts.settings;
    const s = opts.settings;
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.jobOptions = { tag: coinbaseTag('', s.signature), deviceExtranonceSize: s.downstreamExtranonceSize };
    this.connector = new JdcConnector({ mode: s.mode, minVersion: s.minVersion, maxVersion: s.maxVersion, onWarning: (m) => this.log.warn(m), now: this.now });
    this.devices = new DeviceChannels<JdcWork>(
      { sharesPerMinute: s.sharesPerMinute, shareBatchSize: s.shareBatchSize, extranonceSize: s.downstreamExtranonceSize, maxChannels: s.maxChannels },
      {
        send: (id, name, message) => this.front?.send(id, name, message),
        forward: (work, share, extranonce, hash, device) => {
          const d = this.declarator;
          if (work.pool === null || d === null) return 'upstream-unavailable';
          return d.forward(work, share, extranonce, hash, device);
        },
        // Our own templates: a share of any of them can still be a block.
        isLive: () => true,
        block: (work, block) => this.onBlock(work, block),
        // a device's channel: the upstream channel opens with the devices' hashrate
        opened: () => this.declarator?.open(this.devices.totalHashrate(), this.now()),
      },
    );
  }

  static async start(opts: JdClientOptions): Promise<JdClient> {
    const jdc = new JdClient(opts);
    try {
      await jdc.startParts();
    } catch (e) {
      await jdc.close();
      throw e;
    }
    return jdc;
  }

  get port(): number {
    return this.front!.port;
  }

  get downstreams(): DownstreamServer<JdcPeer> {
    return this.front!.downstreams;
  }

  get upstreams(): UpstreamManager | undefined {
    return this.manager;
  }

  /** The upstream the devices mine for, null when solo. */
  get upstreamInUse(): string | null {
    return this.declarator?.basis != null ? this.declarator.label : null;
  }

  get downstreamCount(): number {
    return this.front?.downstreams.size ?? 0;
  }

  private async startParts(): Promise<void> {
    const s = this.opts.settings;
    const feed = this.opts.feed ?? (await templateFeedFrom(s.templateProvider, this.log.child({ component: 'node' }), undefined, { key: 'coinbase_reward_script', mismatch: (network) => payoutMismatch(s.rewardText, network) })).feed;
    this.templates = new TemplateView(feed);
    this.front = await DeviceFront.listen(s, this.devices, { log: this.log.child({ component: 'devices' }), now: this.now });
    await feed.start(this.coinbaseRoom, { newTemplate: (t) => this.onTemplate(t), setNewPrevHash: (m) => this.onPrevHash(m) });
    if (s.upstreams.length > 0) {
      this.manager = new UpstreamManager(s.upstreams, this.opts.connect ?? this.connector.connect, this, this.log.child({ component: 'upstream' }), this.opts.backoff, s.returnToPreferredMs);
      this.manager.start();
    }
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 1_000);
    this.timer.unref();
    this.log.info({ port: this.port, mode: s.mode, upstreams: s.upstreams.length }, 'jd-client listening');
    for (const w of s.warnings) this.log.warn(w);
  }

  // --- templates from our node ---

  private onTemplate(t: Messages['NewTemplate']): void {
    const at = this.now();
    this.templates.add(t);
    if (!t.futureTemplate) this.templates.current = t;
    const work = this.build(t, t.futureTemplate);
    if (work === undefined) return;
    this.devices.onWork(work);
    this.events.emit('work', work, this.now() - at);
    const tip = this.templates.tip;
    if (!t.futureTemplate && tip !== null && work.pool !== null) this.declarator?.declare(work, tip, this.now());
  }

  private onPrevHash(m: Messages['SetNewPrevHashTdp']): void {
    this.templates.tip = m;
    const t = this.templates.get(m.templateId);
    if (t !== undefined) this.templates.current = t;
    try {
      this.devices.onNewTip(m.templateId, chainTipFromTdp(m));
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      this.log.warn({ err: e.message }, 'new tip not sent to the devices');
      return;
    }
    const work = this.workOf.get(m.templateId);
    if (work?.pool != null) this.declarator?.declare(work, m, this.now());
  }

  /** Pool work while an upstream is ready, else solo; undefined (logged) when the template cannot take our coinbase. */
  private build(t: Messages['NewTemplate'], future: boolean): JdcWork | undefined {
    const basis = this.declarator?.basis ?? null;
    try {
      const w = basis !== null ? poolWork(t, basis, this.jobOptions) : soloWork(t, this.opts.settings.rewardScript, this.jobOptions);
      const work = w.future === future ? w : { ...w, future };
      this.workOf.set(t.templateId, work);
      while (this.workOf.size > 16) this.workOf.delete(this.workOf.keys().next().value!);
      return work;
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      this.log.warn({ template: String(t.templateId), err: e.message }, 'template not mined');
      if (basis !== null) this.fallback({ type: 'fallback', reason: `our template cannot carry the pool's coinbase: ${e.message}` });
      return undefined;
    }
  }

  /**
   * A pool paying its miners in the coinbase can require more outputs than the node's templates
   * leave room for (a full block would then overflow): ask the node for their size, with a margin
   * so that a window moving by a few payees does not ask again.
   */
  private fitCoinbaseRoom(outputs: readonly TxOut[]): void {
    const needed = serializeOutputs(outputs).length;
    if (needed <= this.coinbaseRoom) return;
    this.coinbaseRoom = Math.ceil(needed * 1.25);
    this.log.info({ bytes: this.coinbaseRoom }, "the pool's required outputs need more coinbase room: asking the node for it");
    this.templates.feed.setCoinbaseRoom(this.coinbaseRoom);
  }

  /** The devices move to a new kind of work (solo, or a newly ready pool) for the template they mine. */
  private remake(): void {
    const t = this.templates.current;
    const tip = this.templates.tip;
    if (t === null || tip === null) return;
    const at = this.now();
    const work = this.build(t, false);
    if (work === undefined) return;
    this.devices.onWork(work);
    this.events.emit('work', work, this.now() - at);
    if (work.pool !== null) this.declarator?.declare(work, tip, this.now());
  }

  private onBlock(work: JdcWork, block: BlockFound): void {
    const hash = hashToDisplay(block.hash);
    const live = work.pool !== null && this.declarator !== null && work.pool.basis.epoch === this.declarator.epoch;
    const record: JdcBlock = { hash, templateId: String(work.templateId), upstream: live ? this.declarator!.label : null, at: this.now(), accepted: null, reason: null, pushedToJds: false };
    // Our node first: the block is ours to broadcast whatever the JDS does.
    this.templates.submitSolution(submitSolution(block)).then(
      (outcome) => {
        if (outcome === undefined) return;
        record.accepted = outcome.accepted;
        record.reason = outcome.reason ?? null;
        this.log.info({ blockHash: hash, accepted: outcome.accepted, reason: outcome.reason }, 'node verdict on our block');
      },
      (e: unknown) => this.log.error({ blockHash: hash, err: (e as Error).message }, 'block not submitted to our node'),
    );
    if (live) record.pushedToJds = this.declarator!.pushSolution(work, block);
    this.counts.blocksFound++;
    if (record.upstream === null) this.counts.soloBlocks++;
    this.blocks.push(record);
    if (this.blocks.length > MAX_BLOCKS_KEPT) this.blocks.shift();
    this.log.info({ blockHash: hash, upstream: record.upstream ?? 'solo', template: record.templateId }, 'block found');
    this.events.emit('block', record);
  }

  // --- the pool and its JDS ---

  upstreamConnected(link: UpstreamLink, userIdentity: string, label: string): void {
    const s = this.opts.settings;
    this.declarator = new Declarator(
      link,
      label,
      { mode: s.mode, deviceExtranonceSize: s.downstreamExtranonceSize, answerTimeoutMs: s.answerTimeoutMs, userIdentity, epoch: ++this.epoch },
      {
        action: (a) => this.fallback(a),
        ready: (basis) => {
          this.fitCoinbaseRoom(basis.outputs);
          this.log.info({ upstream: label }, 'mining for the upstream: declaring our templates');
          this.events.emit('mode', label);
          this.remake();
        },
        outputsChanged: (basis) => {
          this.fitCoinbaseRoom(basis.outputs);
          this.remake();
        },
        transactions: (id) => this.templates.transactions(id),
        answered: (d, ok, code) => {
          if (ok) this.counts.upstreamAccepted++;
          else this.counts.upstreamRejected++;
          this.devices.answered(d, ok, code);
          this.events.emit('share-answered', d, ok, code);
        },
        accepted: (work, jobId) => {
          this.counts.customJobs++;
          this.events.emit('custom-job', work, jobId);
        },
      },
      this.log.child({ component: 'declarator' }),
    );
    this.log.info({ upstream: label }, 'upstream connected (pool and JDS)');
    this.declarator.start(this.devices.totalHashrate(), this.now());
  }

  upstreamDisconnected(reason: string): void {
    const was = this.declarator;
    this.declarator = null;
    if (this.closed) return;
    if (was?.basis != null) {
      this.log.warn({ upstream: was.label, reason }, 'upstream lost; mining solo until one answers');
      this.events.emit('mode', null);
      this.remake();
    } else this.log.info({ upstream: was?.label, reason }, 'upstream gone before it was used');
  }

  upstreamMessage(m: AnyMessage): void {
    if (this.declarator === null || !this.declarator.onMessage(m, this.now())) this.log.debug({ msg: m.name }, 'upstream message ignored');
  }

  private fallback(a: UpstreamAction): void {
    const d = this.declarator;
    if (a.type === 'fallback') {
      this.counts.fallbacks++;
      this.log.warn({ upstream: d?.label, reason: a.reason }, 'falling back to the next upstream');
      if (d !== null) this.connector.refused(d.label, this.opts.settings.refusalCooldownMs);
      this.events.emit('fallback', a.reason);
    }
    this.manager?.act(a);
  }

  private tick(): void {
    const now = this.now();
    this.devices.tick(now);
    const d = this.declarator;
    if (d === null) return;
    d.tick(now);
    const hashrate = this.devices.totalHashrate();
    if (d.channelId === null) d.open(hashrate, now);
    else d.update(hashrate, now);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.manager?.stop();
    await this.front?.close('jd-client shutting down');
    if (this.opts.feed === undefined) await this.templates?.feed.close();
  }
}
