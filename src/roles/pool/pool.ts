/**
 * The pool role: Noise server for miners and proxies, one channel manager for all channel state,
 * a template feed, durable accounting and monitoring. Parts talk by method calls; the only shared
 * state is the manager's, and only it changes channels.
 */
import type { Logger } from 'pino';
import { submitSolution } from '../../channels/share-result.js';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { NODE_UNREACHABLE } from '../../net/bitcoind/block-submitter.js';
import type { AnyMessage, MessageName, Messages } from '../../messages/registry.js';
import { Protocol, SetupConnectionErrorCode } from '../../messages/common.js';
import { MiningSetupFlags } from '../../messages/mining.js';
import { EXTENSION_NEGOTIATION } from '../../messages/extensions.js';
import { ServerIdentity } from '../../noise/server-identity.js';
import { authorityKeyPairOf } from '../common/authority-keys.js';
import { DownstreamServer, SetupRefused, type Downstream, type DownstreamHandler, type ListenerConfig, type SetUpDownstream } from '../common/downstream-server.js';
import { listenLimits } from '../common/limits.js';
import { silentLogger } from '../common/logger.js';
import { peerFault } from '../common/role-error.js';
import { ChannelManager } from './channel-manager.js';
import type { BlockCandidate, ShareCredit } from './channel-manager.js';
import type { PoolConfig } from './config.js';
import { rewardScriptOf } from './config.js';
import { HashrateMeter } from '../../channels/hashrate.js';
import { PoolMetrics } from './metrics.js';
import { ShareStore } from './share-store.js';
import type { TemplateFeed } from '../common/template-feed.js';
import { HistoryRecorder } from '../common/history.js';
import { rejectedTotal } from '../../channels/share-accounting.js';
import { PoolActivity } from './activity.js';
import { PoolJobDeclaration } from './jds/pool-jd.js';

export interface PoolOptions {
  config: PoolConfig;
  /** Where templates come from (see `templateFeedFor`). */
  feed: TemplateFeed;
  logger?: Logger;
  /** Wall clock in ms (tests may pin it). */
  now?: () => number;
  /** A miner that has not sent SetupConnection by then is dropped (default 10 s). */
  setupTimeoutMs?: number;
  /** Dashboard history points are this far apart (default a minute; tests shorten it). */
  historyIntervalMs?: number;
}

/** What the pool keeps of a downstream beyond what the server and the channel manager keep. */
export interface PoolPeer {
  extensions: number[];
  /** Rejected shares in the current minute, for the flood cut. */
  rejects: { since: number; count: number };
}

type Outbound = { d: Downstream<PoolPeer>; name: MessageName; message: Messages[MessageName] };

export class Pool implements DownstreamHandler<PoolPeer> {
  readonly protocol = Protocol.Mining;
  readonly metrics: PoolMetrics;
  readonly store: ShareStore;
  readonly manager: ChannelManager;
  /** Per-channel hashrate and last share, template heights: for the dashboard. */
  readonly activity = new PoolActivity();
  /** Per-minute points for the dashboard's charts, kept in the accounting database. */
  readonly history: HistoryRecorder;
  readonly startedAt: number;
  readonly now: () => number;
  private readonly log: Logger;
  private server: DownstreamServer<PoolPeer> | undefined;
  private outbox: Outbound[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** Pool-wide hashrate from accepted shares (the channels' meter, over the pool's lifetime). */
  private readonly hashrate: HashrateMeter;
  private closed = false;
  private readonly pendingBlocks = new Set<Promise<void>>();
  /** Blocks sent to a feed that gives no verdict (TDP): confirmed when the chain builds on them. */
  private readonly unconfirmed = new Set<string>();
  private readonly blockCounts = { found: 0, accepted: 0, rejected: 0, stale: 0 };
  /** Blocks recorded lately: a custom job's block comes from its share and from the JD client's PushSolution. */
  private readonly recentBlocks = new Set<string>();
  /** The Job Declarator and custom-job rules, when `[jds]` is configured. */
  jd: PoolJobDeclaration | undefined;

  private constructor(private readonly opts: PoolOptions) {
    const cfg = opts.config;
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.hashrate = new HashrateMeter(this.startedAt);
    this.store = new ShareStore(cfg.accounting_db);
    this.manager = new ChannelManager(
      {
        sharesPerMinute: cfg.shares_per_minute,
        shareBatchSize: cfg.share_batch_size,
        rewardScript: rewardScriptOf(cfg),
        poolSignature: cfg.pool_signature,
        serverId: cfg.server_id,
        maxChannelsPerConnection: cfg.max_channels_per_connection,
        maxSharesPerBlock: cfg.max_shares_per_block,
        jobRefreshMs: cfg.job_refresh_secs * 1000,
      },
      {
        send: (connId, name, message) => this.queue(connId, name, message),
        blockFound: (c) => this.onBlock(c),
        shareAccepted: (c) => this.onShare(c),
        shareRejected: (connId, channelId, code) => {
          const r = this.server?.get(connId)?.state?.rejects;
          if (r !== undefined) r.count++;
          this.log.debug({ client: connId, channel: channelId, reason: code }, 'share rejected');
        },
        channelOpened: (connId, ch) =>
          this.log.info({ client: connId, channel: ch.channelId, kind: ch.kind, user: ch.userIdentity, difficulty: Number(ch.difficulty.toPrecision(4)) }, 'channel opened'),
        channelClosed: (connId, ch, reason) => {
          this.activity.closeChannel(connId, ch.channelId);
          this.log.info({ client: connId, channel: ch.channelId, user: ch.userIdentity, reason }, 'channel closed');
        },
        customJob: (connId, m, ch, tip, now) => this.jd?.customJob(connId, m, ch, tip, now, (v) => this.manager.poolCoinbaseOutputs(v)) ?? 'jd-not-supported',
      },
    );
    this.metrics = new PoolMetrics({
      connections: () => this.server?.size ?? 0,
      channels: () => this.manager.channelCounts(),
      shares: () => this.manager.totals(),
      hashrate: () => this.hashrateNow(),
      startedAt: () => this.startedAt,
      now: () => this.now(),
    });
    this.history = new HistoryRecorder(
      () => {
        const t = this.manager.totals();
        return { hashrate: this.hashrateNow(), accepted: t.accepted, rejected: rejectedTotal(t), blocks: t.blocksFound, connections: this.server?.size ?? 0, channels: this.manager.channelCount };
      },
      this.store,
      { now: this.now, ...(opts.historyIntervalMs !== undefined && { intervalMs: opts.historyIntervalMs }) },
    );
  }

  /** Starts every part; resolves when the pool listens and has its first template. */
  static async start(opts: PoolOptions): Promise<Pool> {
    const pool = new Pool(opts);
    try {
      await pool.startParts();
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** The encrypted listener's port (useful with port 0). */
  get port(): number {
    return this.server!.ports[0]!;
  }

  /** The plaintext listener's port, when configured. */
  get plaintextPort(): number | undefined {
    return this.server?.ports[1];
  }

  get config(): PoolConfig {
    return this.opts.config;
  }

  /** Connected downstreams, for the monitoring views. */
  get downstreams(): DownstreamServer<PoolPeer> {
    return this.server!;
  }

  /** Estimated hashrate from accepted shares (H/s). */
  hashrateNow(): number {
    return this.hashrate.hashrate(this.now()) ?? 0;
  }

  private async startParts(): Promise<void> {
    const cfg = this.opts.config;
    const identity = ServerIdentity.create({ authority: authorityKeyPairOf(cfg), validitySeconds: cfg.cert_validity_sec });

    await this.opts.feed.start(this.manager.coinbaseOutputSize, {
      lateVerdict: (hash, o) => this.onLateVerdict(hash, o),
      newTemplate: (m) => {
        this.activity.onTemplate(m, this.now());
        this.onTemplate(() => this.manager.onNewTemplate(m), m.futureTemplate ? 'future' : 'update');
      },
      setNewPrevHash: (m) => {
        this.activity.onPrevHash(m);
        this.confirmIfOurs(hashToDisplay(m.prevHash));
        this.onTemplate(() => this.manager.onSetNewPrevHash(m), 'prev-hash');
      },
    });

    const listeners: ListenerConfig[] = [{ address: cfg.listen_address, identity }];
    if (cfg.test_only_listen_adress_plain !== undefined) listeners.push({ address: cfg.test_only_listen_adress_plain, identity: undefined });
    this.server = await DownstreamServer.listen(
      { listeners, maxFramePayload: cfg.max_frame_bytes, limits: listenLimits(cfg), log: this.log, now: this.now, ...(this.opts.setupTimeoutMs !== undefined && { setupTimeoutMs: this.opts.setupTimeoutMs }) },
      this,
    );
    if (cfg.jds !== undefined) {
      this.jd = await PoolJobDeclaration.start({
        config: cfg.jds,
        feed: this.opts.feed,
        identity,
        poolOutputs: (v) => this.manager.poolCoinbaseOutputs(v),
        minTime: () => this.manager.chainTip?.minNtime ?? 0,
        submitBlock: (b, job) => this.submitFound(hashToDisplay(b.hash), job.height, 'declared', job.userIdentifier, 0, () => this.submitWhole(b.block)),
        limits: listenLimits(cfg),
        maxFramePayload: cfg.max_frame_bytes,
        log: this.log,
        now: this.now,
      });
    }
    this.timer = setInterval(() => this.tick(), cfg.vardiff_interval_secs * 1000);
    this.timer.unref();
    this.history.start();
    for (const w of cfg.warnings ?? []) this.log.warn(w);
    this.log.info({ port: this.port, plaintextPort: this.plaintextPort }, 'pool listening');
  }

  private onTemplate(apply: () => void, kind: string): void {
    const t0 = process.hrtime.bigint();
    try {
      apply();
    } catch (e) {
      this.log.error({ err: (e as Error).message, kind }, 'template refused');
      return;
    }
    this.metrics.templates.inc({ kind });
    this.metrics.templateToJob.observe(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  /** DownstreamHandler: a Mining Protocol setup; work selection only when this pool runs a Job Declarator. */
  setUp(d: Downstream<PoolPeer>, s: Messages['SetupConnection']): { state: PoolPeer; flags: number } {
    const supported = MiningSetupFlags.RequiresStandardJobs | MiningSetupFlags.RequiresVersionRolling | (this.jd !== undefined ? MiningSetupFlags.RequiresWorkSelection : 0);
    const unsupported = s.flags & ~supported;
    if ((unsupported & MiningSetupFlags.RequiresWorkSelection) !== 0) throw new SetupRefused(SetupConnectionErrorCode.UnsupportedFeatureFlags, unsupported);
    this.manager.addConnection(d.id, {
      requiresStandardJobs: (s.flags & MiningSetupFlags.RequiresStandardJobs) !== 0,
      requiresVersionRolling: (s.flags & MiningSetupFlags.RequiresVersionRolling) !== 0,
      requiresWorkSelection: (s.flags & MiningSetupFlags.RequiresWorkSelection) !== 0,
      peer: d.peer,
      vendor: s.vendor,
    });
    return { state: { extensions: [], rejects: { since: this.now(), count: 0 } }, flags: 0 };
  }

  /** DownstreamHandler: everything after SetupConnection. */
  onMessage(d: SetUpDownstream<PoolPeer>, m: AnyMessage): void {
    if (m.name === 'RequestExtensions') {
      this.negotiateExtensions(d, m.message);
      return;
    }
    const now = this.now();
    if (!this.manager.onMessage(d.id, m, now)) throw peerFault('SV2_ERR_UNEXPECTED_MESSAGE', `unexpected ${m.name} from a mining client`);
    const r = d.state.rejects;
    if (now - r.since >= 60_000) {
      r.since = now;
      r.count = 0;
    } else if (r.count > this.opts.config.max_rejected_shares_per_min) {
      const budget = this.opts.config.max_rejected_shares_per_min * Math.max(1, this.manager.channelCountOf(d.id));
      if (r.count > budget) throw peerFault('SV2_ERR_SHARE_FLOOD', `more than ${budget} rejected shares within a minute`);
    }
  }

  /** DownstreamHandler: its channels and extranonce prefixes are freed. */
  onClose(d: Downstream<PoolPeer>): void {
    this.activity.closeConnection(d.id);
    this.manager.removeConnection(d.id);
  }

  private negotiateExtensions(d: SetUpDownstream<PoolPeer>, r: Messages['RequestExtensions']): void {
    const cfg = this.opts.config;
    const supported = r.requestedExtensions.filter((e) => cfg.supported_extensions.includes(e) && e !== EXTENSION_NEGOTIATION);
    const missing = cfg.required_extensions.filter((e) => !r.requestedExtensions.includes(e));
    if (supported.length === 0 || missing.length > 0) {
      this.queue(d.id, 'RequestExtensionsError', {
        requestId: r.requestId,
        unsupportedExtensions: r.requestedExtensions.filter((e) => !supported.includes(e)),
        requiredExtensions: cfg.required_extensions,
      });
      return;
    }
    d.state.extensions = supported;
    this.queue(d.id, 'RequestExtensionsSuccess', { requestId: r.requestId, supportedExtensions: supported });
  }

  private onShare(c: ShareCredit): void {
    const now = this.now();
    this.store.add({ timeMs: now, userIdentity: c.userIdentity, worker: c.worker, connectionId: c.connectionId, channelId: c.channelId, sequenceNumber: c.sequenceNumber, jobId: c.jobId, difficulty: c.difficulty });
    this.hashrate.record(c.difficulty, now);
    this.activity.onShare(c.connectionId, c.channelId, c.difficulty, now);
    this.scheduleFlush();
  }

  /**
   * A block candidate is recorded (committed) first, then goes to the node; the node's verdict
   * updates the record. A feed without verdicts (TDP) leaves it submitted until the chain builds on it.
   */
  private onBlock(c: BlockCandidate): void {
    const blockHash = hashToDisplay(c.block.hash);
    if (c.block.templateId !== null) {
      const solution = submitSolution(c.block);
      this.submitFound(blockHash, this.activity.heightOf(c.block.templateId), String(c.block.templateId), c.userIdentity, c.channelId, () => this.opts.feed.submitSolution(solution));
      return;
    }
    const custom = this.jd?.blockOf(c);
    if (custom === undefined) {
      // Coinbase-only: the JD client alone holds the transactions and propagates the block; the chain building on it confirms it.
      this.log.info({ blockHash, user: c.userIdentity }, 'block found on a coinbase-only custom job: the JD client propagates it');
      this.submitFound(blockHash, null, 'custom', c.userIdentity, c.channelId, () => Promise.resolve(undefined));
      return;
    }
    this.submitFound(blockHash, custom.job.height, 'custom', c.userIdentity, c.channelId, () => this.submitWhole(custom.block.block));
  }

  private submitWhole(block: Uint8Array): Promise<SubmitOutcome | undefined> {
    const feed = this.opts.feed;
    if (feed.submitBlock === undefined) return Promise.reject(new Error('this template feed cannot take a whole block'));
    return feed.submitBlock(block);
  }

  private submitFound(blockHash: string, height: number | null, templateId: string, userIdentity: string, channelId: number, submit: () => Promise<SubmitOutcome | undefined>): void {
    if (this.recentBlocks.has(blockHash)) return;
    if (this.recentBlocks.size >= 64) this.recentBlocks.delete(this.recentBlocks.values().next().value!);
    this.recentBlocks.add(blockHash);
    this.store.recordBlock({ timeMs: this.now(), blockHash, height, templateId, userIdentity, channelId, status: 'submitted', rejectReason: null });
    this.blockCounts.found++;
    this.log.info({ blockHash, user: userIdentity }, 'block found');
    const done = submit().then(
      (outcome) => {
        if (outcome === undefined) {
          this.metrics.blocks.inc({ status: 'submitted' });
          if (this.unconfirmed.size >= 64) this.unconfirmed.delete(this.unconfirmed.values().next().value!);
          this.unconfirmed.add(blockHash);
          return;
        }
        if (outcome.reason === NODE_UNREACHABLE) {
          // Not a verdict: the pool stopped with the node away. The block waits on disk for the next start.
          if (!this.closed) this.store.updateBlock(blockHash, 'submitted', NODE_UNREACHABLE);
          this.log.warn({ blockHash }, 'block not yet taken by the node: it is unreachable; the block is kept for the next start');
          return;
        }
        const status = outcome.accepted ? 'accepted' : outcome.stale ? 'stale' : 'rejected';
        this.blockCounts[status]++;
        this.metrics.blocks.inc({ status });
        if (!this.closed) this.store.updateBlock(blockHash, status, outcome.reason ?? null);
        if (status === 'accepted') this.log.info({ blockHash }, 'block accepted by the node');
        else if (status === 'stale') this.log.warn({ blockHash, reason: outcome.reason }, 'block stale: valid, but off the node\'s best chain');
        else this.log.warn({ blockHash, reason: outcome.reason }, 'block rejected by the node');
      },
      (e: unknown) => {
        this.blockCounts.rejected++;
        this.metrics.blocks.inc({ status: 'error' });
        this.log.error({ blockHash, err: (e as Error).message }, 'block submission failed');
      },
    );
    this.pendingBlocks.add(done);
    void done.finally(() => this.pendingBlocks.delete(done));
  }

  /** A new tip that is a block we submitted: the node took it. */
  private confirmIfOurs(prevHash: string): void {
    if (!this.unconfirmed.delete(prevHash) || this.closed) return;
    this.store.updateBlock(prevHash, 'accepted');
    this.blockCounts.accepted++;
    this.metrics.blocks.inc({ status: 'accepted' });
    this.log.info({ blockHash: prevHash }, 'block accepted: the chain builds on it');
  }

  /** Blocks found, and what became of them; found − the rest is still waiting for a verdict. */
  blocks(): { found: number; accepted: number; rejected: number; stale: number; pending: number } {
    const b = this.blockCounts;
    return { ...b, pending: b.found - b.accepted - b.rejected - b.stale };
  }

  /** /api/v1/health: degraded while the node (or Template Provider) behind the feed does not answer. */
  health(): { status: 'ok' | 'degraded'; template_source_connected: boolean; blocks_waiting: number } {
    const connected = this.opts.feed.connected;
    return { status: connected ? 'ok' : 'degraded', template_source_connected: connected, blocks_waiting: this.blocks().pending };
  }

  private queue<N extends MessageName>(connId: number, name: N, message: Messages[N]): void {
    const d = this.server?.get(connId);
    if (d === undefined) return;
    this.outbox.push({ d, name, message: message as Messages[MessageName] });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Accepted shares are committed before any message of this round goes out, so a miner is never
   * told "accepted" about a share the database could lose. One commit covers every share that
   * arrived since the last round, from every connection.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    this.store.flush();
    const out = this.outbox;
    this.outbox = [];
    for (const o of out) {
      if (!o.d.conn.isOpen) continue;
      o.d.conn.post(o.name, o.message); // a failure closes the connection, whose close handler deals with it
    }
  }

  private tick(): void {
    this.manager.tick(this.now());
    this.scheduleFlush();
  }

  /**
   * Stops listening, drops every miner, and closes the feed while block submissions in flight
   * finish (a block still waiting for the node stays on disk for the next start), then commits
   * every accepted share.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.history.stop();
    this.log.info({ connections: this.server?.size ?? 0 }, 'pool stopping');
    await Promise.all([this.server?.close('pool shutting down'), this.jd?.close()]);
    await Promise.all([...this.pendingBlocks, this.opts.feed.close()]);
    this.closed = true;
    this.store.close();
  }

  /** A block an earlier run found and kept on disk has reached the node: its record gets the verdict. */
  private onLateVerdict(blockHash: string, o: SubmitOutcome): void {
    if (this.closed) return;
    const status = o.accepted ? 'accepted' : o.stale ? 'stale' : 'rejected';
    this.store.updateBlock(blockHash, status, o.reason ?? null);
    this.log.info({ blockHash, status, reason: o.reason }, 'block from an earlier run: the node has answered');
  }
}
