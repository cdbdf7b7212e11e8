/**
 * The pool role: Noise server for miners and proxies, one channel manager for all channel state,
 * a template feed, durable accounting and monitoring. Parts talk by method calls; the only shared
 * state is the manager's, and only it changes channels.
 */
import type { Logger } from 'pino';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import { parseBlock } from '../../bitcoin/block.js';
import type { IdentityRules } from '../../channels/payout-identity.js';
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
import type { ShareCredit } from './channel-manager.js';
import type { PoolConfig } from './config.js';
import { rewardScriptOf } from './config.js';
import { HashrateMeter } from '../../channels/hashrate.js';
import { PoolMetrics } from './metrics.js';
import type { ShareStore } from './share-store.js';
import type { PoolPayouts} from './payouts.js';
import { openAccounting, payoutTargetOf, userOf } from './payouts.js';
import { BlockSettler } from './block-settler.js';
import { FoundBlocks } from './found-blocks.js';
import { AccountingReader } from './accounting-reader.js';
import { UserActivity } from './user-activity.js';
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

type Outbound = { name: MessageName; message: Messages[MessageName] };

export class Pool implements DownstreamHandler<PoolPeer> {
  readonly protocol = Protocol.Mining;
  readonly metrics: PoolMetrics;
  readonly store: ShareStore;
  /** The PPLNS window and who each block pays. */
  readonly payouts: PoolPayouts;
  /** Users, workers, balances and credits, read from the accounting database. */
  readonly accounts: AccountingReader;
  /** Each active user's measured hashrate. */
  readonly users = new UserActivity();
  readonly manager: ChannelManager;
  /** Per-channel hashrate and last share, template heights: for the dashboard. */
  readonly activity = new PoolActivity();
  /** Per-minute points for the dashboard's charts, kept in the accounting database. */
  readonly history: HistoryRecorder;
  readonly startedAt: number;
  readonly now: () => number;
  private readonly log: Logger;
  private server: DownstreamServer<PoolPeer> | undefined;
  /** This round's messages, per connection in the order they were queued. */
  private outbox = new Map<Downstream<PoolPeer>, Outbound[]>();
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** Pool-wide hashrate from accepted shares (the channels' meter, over the pool's lifetime). */
  private readonly hashrate: HashrateMeter;
  private closed = false;
  private readonly found: FoundBlocks;
  private readonly settler: BlockSettler;
  /** The Job Declarator and custom-job rules, when `[jds]` is configured. */
  jd: PoolJobDeclaration | undefined;
  private readonly identityRules: IdentityRules;

  private constructor(private readonly opts: PoolOptions) {
    const cfg = opts.config;
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.hashrate = new HashrateMeter(this.startedAt);
    const accounting = openAccounting(cfg);
    const rules = accounting.rules;
    this.identityRules = rules;
    this.store = accounting.store;
    this.payouts = accounting.payouts;
    this.accounts = new AccountingReader(this.store.database);
    const rewardScript = rewardScriptOf(cfg);
    this.manager = new ChannelManager(
      {
        sharesPerMinute: cfg.shares_per_minute,
        shareBatchSize: cfg.share_batch_size,
        rewardScript,
        poolSignature: cfg.pool_signature,
        serverId: cfg.server_id,
        maxChannelsPerConnection: cfg.max_channels_per_connection,
        maxSharesPerBlock: cfg.max_shares_per_block,
        jobRefreshMs: cfg.job_refresh_secs * 1000,
        identityRules: rules,
        dustSats: BigInt(cfg.coinbase_dust_sats),
        maxPayoutOutputs: cfg.payout_scheme === 'coinbase' ? cfg.coinbase_max_outputs : 0,
        accountsPayout: () => this.payouts.coinbasePayout(),
      },
      {
        send: (connId, name, message) => this.queue(connId, name, message),
        blockFound: (c) => this.found.onBlock(c),
        shareAccepted: (c) => this.onShare(c),
        shareRejected: (connId, channelId, code) => {
          const r = this.server?.get(connId)?.state?.rejects;
          if (r !== undefined) r.count++;
          this.log.debug({ client: connId, channel: channelId, reason: code }, 'share rejected');
        },
        channelOpened: (connId, ch) =>
          this.log.info({ client: connId, channel: ch.channelId, kind: ch.kind, user: ch.userIdentity, difficulty: Number(ch.difficulty.toPrecision(4)) }, 'channel opened'),
        channelRefused: (connId, user, reason) => this.log.info({ client: connId, user, reason }, 'channel refused: invalid user_identity'),
        channelClosed: (connId, ch, reason) => {
          this.activity.closeChannel(connId, ch.channelId);
          this.log.info({ client: connId, channel: ch.channelId, user: ch.userIdentity, reason }, 'channel closed');
        },
        customJob: (connId, m, ch, tip, now) => this.jd?.customJob(connId, m, ch, tip, now) ?? 'jd-not-supported',
      },
    );
    this.metrics = new PoolMetrics({
      connections: () => this.server?.size ?? 0,
      channels: () => this.manager.channelCounts(),
      shares: () => this.manager.totals(),
      hashrate: () => this.hashrateNow(),
      startedAt: () => this.startedAt,
      now: () => this.now(),
      users: () => this.users.top(cfg.metrics_max_users, this.now()),
      refusals: () => this.server?.refusals(),
    });
    this.found = new FoundBlocks({
      store: this.store, feed: opts.feed, payouts: this.payouts, activity: this.activity, metrics: this.metrics, log: this.log, now: this.now, closed: () => this.closed,
      customBlock: (c) => {
        const custom = this.jd?.blockOf(c);
        return custom === undefined ? undefined : { height: custom.job.height, block: custom.block.block };
      },
    });
    this.settler = new BlockSettler({
      store: this.store,
      depth: (hash) => this.opts.feed.blockDepth?.(hash) ?? Promise.resolve(undefined),
      tipHeight: () => this.activity.tipHeight,
      awaitingVerdict: (hash) => this.found.awaitingVerdict(hash),
      confirmations: cfg.maturity_confirmations,
      log: this.log,
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
      lateVerdict: (hash, o) => this.found.onLateVerdict(hash, o),
      newTemplate: (m) => {
        this.activity.onTemplate(m, this.now());
        this.onTemplate(() => this.manager.onNewTemplate(m), m.futureTemplate ? 'future' : 'update');
      },
      setNewPrevHash: (m) => {
        this.activity.onPrevHash(m);
        this.payouts.onTip(m.nbits);
        this.settler.settle();
        this.found.confirmIfOurs(hashToDisplay(m.prevHash));
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
        poolScript: rewardScriptOf(cfg),
        poolOutputs: (v) => this.manager.requiredCoinbaseOutputs(v),
        reward: () => this.activity.reward,
        minTime: () => this.manager.chainTip?.minNtime ?? 0,
        // PushSolution names no share: its finder weighs only by its shares in the window (difficulty 0).
        submitBlock: (b, job) => this.found.onWholeBlock(hashToDisplay(b.hash), job.height, job.userIdentifier, b.block, {
          block: { coinbase: parseBlock(b.block).transactions[0]!.raw, nbits: job.nbits }, payout: payoutTargetOf(job.userIdentifier, this.identityRules), difficulty: 0,
        }),
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
    const user = userOf(c.payout);
    this.store.add({ timeMs: now, userIdentity: c.userIdentity, worker: c.worker, connectionId: c.connectionId, channelId: c.channelId, sequenceNumber: c.sequenceNumber, jobId: c.jobId, difficulty: c.difficulty, user });
    this.users.onShare(user, c.difficulty, now);
    this.payouts.onShare(c.payout, c.difficulty);
    this.hashrate.record(c.difficulty, now);
    this.activity.onShare(c.connectionId, c.channelId, c.difficulty, now);
    this.scheduleFlush();
  }

  /** Resolves once found blocks have been checked against the latest tip (confirmed or orphaned as they are). */
  settled(): Promise<void> {
    return this.settler.whenIdle();
  }

  /** Blocks found, and what became of them; found − the rest is still waiting for a verdict. */
  blocks(): { found: number; accepted: number; rejected: number; stale: number; pending: number } {
    return this.found.counts();
  }

  /** /api/v1/health: degraded while the node (or Template Provider) behind the feed does not answer. */
  health(): { status: 'ok' | 'degraded'; template_source_connected: boolean; blocks_waiting: number } {
    const connected = this.opts.feed.connected;
    return { status: connected ? 'ok' : 'degraded', template_source_connected: connected, blocks_waiting: this.blocks().pending };
  }

  private queue<N extends MessageName>(connId: number, name: N, message: Messages[N]): void {
    const d = this.server?.get(connId);
    if (d === undefined) return;
    let list = this.outbox.get(d);
    if (list === undefined) this.outbox.set(d, (list = []));
    list.push({ name, message: message as Messages[MessageName] });
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
    this.outbox = new Map();
    // A connection's frames leave in one write as soon as they are made, so its miners can read
    // them while the next connection's are encrypted (the last channel of a new tip hears sooner).
    for (const [d, list] of out) {
      const conn = d.conn;
      for (const o of list) if (conn.isOpen) conn.post(o.name, o.message); // a failure closes the connection, whose close handler deals with it
      conn.writePending();
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
    await Promise.all([...this.found.inFlight(), this.settler.idle(), this.opts.feed.close()]);
    this.closed = true;
    this.store.close();
  }
}
