/**
 * The pool role: Noise server for miners and proxies, one channel manager for all channel state,
 * a template feed, durable accounting and monitoring. Parts talk by method calls; the only shared
 * state is the manager's, and only it changes channels.
 */
import type { Logger } from 'pino';
import { submitSolution } from '../../channels/share-result.js';
import { hashToDisplay } from '../../bitcoin/bytes.js';
import type { AnyMessage, MessageName, Messages } from '../../messages/registry.js';
import { Protocol, PROTOCOL_VERSION, SetupConnectionErrorCode } from '../../messages/common.js';
import { MiningSetupFlags } from '../../messages/mining.js';
import { EXTENSION_NEGOTIATION } from '../../messages/extensions.js';
import { ServerIdentity } from '../../noise/server-identity.js';
import type { Connection } from '../../net/connection.js';
import type { Sv2Server } from '../../net/server.js';
import { silentLogger } from '../common/logger.js';
import { authorityKeyPairOf, listenSv2 } from '../common/sv2-server.js';
import { ChannelManager } from './channel-manager.js';
import type { BlockCandidate, ShareCredit } from './channel-manager.js';
import type { PoolConfig } from './config.js';
import { rewardScriptOf } from './config.js';
import { HashrateWindow, PoolMetrics } from './metrics.js';
import { ShareStore } from './share-store.js';
import type { TemplateFeed } from '../common/template-feed.js';

export interface PoolOptions {
  config: PoolConfig;
  /** Where templates come from (see `templateFeedFor`). */
  feed: TemplateFeed;
  logger?: Logger;
  /** Wall clock in ms (tests may pin it). */
  now?: () => number;
  /** A miner that has not sent SetupConnection by then is dropped (default 10 s). */
  setupTimeoutMs?: number;
}

interface Downstream {
  id: number;
  conn: Connection;
  /** null until SetupConnection.Success went out */
  setup: Messages['SetupConnection'] | null;
  extensions: number[];
  connectedAt: number;
  sharesAccepted: number;
  sharesRejected: number;
}

type Outbound = { d: Downstream; name: MessageName; message: Messages[MessageName] };

export class Pool {
  readonly metrics = new PoolMetrics(() => this.manager.channelCounts());
  readonly store: ShareStore;
  readonly manager: ChannelManager;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly downstreams = new Map<number, Downstream>();
  private readonly servers: Sv2Server[] = [];
  private nextId = 1;
  private outbox: Outbound[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly hashrate = new HashrateWindow();
  private readonly startedAt: number;
  private blocksFound = 0;
  private sharesAccepted = 0;
  private sharesRejected = 0;
  private closed = false;
  private readonly pendingBlocks = new Set<Promise<void>>();
  /** Blocks sent to a feed that gives no verdict (TDP): confirmed when the chain builds on them. */
  private readonly unconfirmed = new Set<string>();

  private constructor(private readonly opts: PoolOptions) {
    const cfg = opts.config;
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.store = new ShareStore(cfg.accounting_db);
    this.manager = new ChannelManager(
      {
        sharesPerMinute: cfg.shares_per_minute,
        shareBatchSize: cfg.share_batch_size,
        rewardScript: rewardScriptOf(cfg),
        poolSignature: cfg.pool_signature,
        serverId: cfg.server_id,
      },
      {
        send: (connId, name, message) => this.queue(connId, name, message),
        blockFound: (c) => this.onBlock(c),
        shareAccepted: (c) => this.onShare(c),
        shareRejected: (connId, _ch, code) => {
          this.sharesRejected++;
          this.metrics.sharesRejected.inc({ reason: code });
          const d = this.downstreams.get(connId);
          if (d) d.sharesRejected++;
        },
      },
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
    return this.servers[0]!.port;
  }

  /** The plaintext listener's port, when configured. */
  get plaintextPort(): number | undefined {
    return this.servers[1]?.port;
  }

  private async startParts(): Promise<void> {
    const cfg = this.opts.config;
    const identity = ServerIdentity.create({ authority: authorityKeyPairOf(cfg), validitySeconds: cfg.cert_validity_sec });

    await this.opts.feed.start(this.manager.coinbaseOutputSize, {
      newTemplate: (m) => this.onTemplate(() => this.manager.onNewTemplate(m), m.futureTemplate ? 'future' : 'update'),
      setNewPrevHash: (m) => {
        this.confirmIfOurs(hashToDisplay(m.prevHash));
        this.onTemplate(() => this.manager.onSetNewPrevHash(m), 'prev-hash');
      },
    });

    const limits = { maxFramePayload: cfg.max_frame_bytes };
    const accept = (conn: Connection): void => this.accept(conn);
    this.servers.push(await listenSv2({ ...limits, address: cfg.listen_address, identity }, this.log, accept));
    if (cfg.test_only_listen_adress_plain !== undefined) {
      this.servers.push(await listenSv2({ ...limits, address: cfg.test_only_listen_adress_plain, identity: undefined }, this.log, accept));
    }
    this.timer = setInterval(() => this.tick(), cfg.vardiff_interval_secs * 1000);
    this.timer.unref();
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

  private accept(conn: Connection): void {
    const d: Downstream = { id: this.nextId++, conn, setup: null, extensions: [], connectedAt: this.now(), sharesAccepted: 0, sharesRejected: 0 };
    this.downstreams.set(d.id, d);
    this.metrics.connections.set(this.downstreams.size);
    const setupTimer = setTimeout(() => {
      if (d.setup === null) void conn.close('no SetupConnection in time');
    }, this.opts.setupTimeoutMs ?? 10_000);
    setupTimer.unref();
    conn.on('message', (m) => {
      try {
        this.onMessage(d, m);
      } catch (e) {
        // A bug or a hostile peer must cost that peer its connection, never the pool.
        this.log.warn({ client: d.id, err: (e as Error).message, msg: m.name }, 'dropping downstream');
        void conn.close(`error handling ${m.name}`);
      }
    });
    conn.on('unknownMessage', (f) => {
      // channel_msg=0 messages of unknown extensions are dropped silently (spec §3.4).
      if (f.header.channelMsg) this.log.debug({ client: d.id, ext: f.header.extensionType, type: f.header.msgType }, 'unknown channel message dropped');
    });
    conn.on('close', (info) => {
      clearTimeout(setupTimer);
      this.manager.removeConnection(d.id);
      this.downstreams.delete(d.id);
      this.metrics.connections.set(this.downstreams.size);
      this.log.info({ client: d.id, by: info.by, reason: info.reason }, 'downstream closed');
    });
  }

  private onMessage(d: Downstream, m: AnyMessage): void {
    if (d.setup === null) {
      if (m.name !== 'SetupConnection') {
        void d.conn.close(`expected SetupConnection first, got ${m.name}`);
        return;
      }
      this.setupConnection(d, m.message);
      return;
    }
    if (m.name === 'RequestExtensions') {
      this.negotiateExtensions(d, m.message);
      return;
    }
    if (!this.manager.onMessage(d.id, m, this.now())) {
      void d.conn.close(`unexpected ${m.name} from a mining client`);
      return;
    }
  }

  private setupConnection(d: Downstream, s: Messages['SetupConnection']): void {
    const refuse = (flags: number, errorCode: string): void => {
      void d.conn.send('SetupConnectionError', { flags, errorCode }).catch(() => {});
      void d.conn.close(`SetupConnection refused: ${errorCode}`);
    };
    if (s.protocol !== Protocol.Mining) return refuse(0, SetupConnectionErrorCode.UnsupportedProtocol);
    if (s.minVersion > PROTOCOL_VERSION || s.maxVersion < PROTOCOL_VERSION) return refuse(0, SetupConnectionErrorCode.ProtocolVersionMismatch);
    const supported = MiningSetupFlags.RequiresStandardJobs | MiningSetupFlags.RequiresVersionRolling;
    const unsupported = s.flags & ~supported;
    if ((unsupported & MiningSetupFlags.RequiresWorkSelection) !== 0) return refuse(unsupported, SetupConnectionErrorCode.UnsupportedFeatureFlags);
    d.setup = s;
    this.manager.addConnection(d.id, {
      requiresStandardJobs: (s.flags & MiningSetupFlags.RequiresStandardJobs) !== 0,
      requiresVersionRolling: (s.flags & MiningSetupFlags.RequiresVersionRolling) !== 0,
      peer: `${d.conn.remoteAddress}:${d.conn.remotePort}`,
      vendor: s.vendor,
    });
    this.queue(d.id, 'SetupConnectionSuccess', { usedVersion: PROTOCOL_VERSION, flags: 0 });
  }

  private negotiateExtensions(d: Downstream, r: Messages['RequestExtensions']): void {
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
    d.extensions = supported;
    this.queue(d.id, 'RequestExtensionsSuccess', { requestId: r.requestId, supportedExtensions: supported });
  }

  private onShare(c: ShareCredit): void {
    const now = this.now();
    this.store.add({ timeMs: now, userIdentity: c.userIdentity, worker: c.worker, connectionId: c.connectionId, channelId: c.channelId, sequenceNumber: c.sequenceNumber, jobId: c.jobId, difficulty: c.difficulty });
    this.sharesAccepted++;
    this.metrics.sharesAccepted.inc();
    this.metrics.shareDifficulty.inc(c.difficulty);
    this.hashrate.add(now, c.difficulty);
    const d = this.downstreams.get(c.connectionId);
    if (d) d.sharesAccepted++;
    this.scheduleFlush();
  }

  /** A block candidate goes to the node first, then is recorded; the node's answer updates the record. */
  private onBlock(c: BlockCandidate): void {
    const submitted = this.opts.feed.submitSolution(submitSolution(c.block));
    const blockHash = hashToDisplay(c.block.hash);
    this.blocksFound++;
    this.store.recordBlock({
      timeMs: this.now(),
      blockHash,
      height: null,
      templateId: String(c.block.templateId),
      userIdentity: c.userIdentity,
      channelId: c.channelId,
      status: 'submitted',
      rejectReason: null,
    });
    this.log.info({ blockHash, user: c.userIdentity }, 'block found');
    const done = submitted.then(
      (outcome) => {
        if (outcome === undefined) {
          this.metrics.blocks.inc({ status: 'submitted' });
          if (this.unconfirmed.size >= 64) this.unconfirmed.delete(this.unconfirmed.values().next().value!);
          this.unconfirmed.add(blockHash);
          return;
        }
        const status = outcome.accepted ? 'accepted' : 'rejected';
        this.metrics.blocks.inc({ status });
        if (!this.closed) this.store.updateBlock(blockHash, status, outcome.reason ?? null);
        if (!outcome.accepted) this.log.warn({ blockHash, reason: outcome.reason }, 'block rejected by the node');
      },
      (e: unknown) => {
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
    this.metrics.blocks.inc({ status: 'accepted' });
    this.log.info({ blockHash: prevHash }, 'block accepted: the chain builds on it');
  }

  private queue<N extends MessageName>(connId: number, name: N, message: Messages[N]): void {
    const d = this.downstreams.get(connId);
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
      o.d.conn.send(o.name, o.message).catch(() => {
        // The connection's close handler deals with it.
      });
    }
  }

  private tick(): void {
    this.manager.tick(this.now());
    this.metrics.hashrate.set(this.hashrate.rate(this.now(), this.startedAt));
    this.scheduleFlush();
  }

  /** Data for the monitoring API (SRI's paths). */
  global() {
    const tip = this.manager.chainTip;
    return {
      uptime_secs: Math.round((this.now() - this.startedAt) / 1000),
      connections: this.downstreams.size,
      channels: this.manager.channelCount,
      shares_accepted: this.sharesAccepted,
      shares_rejected: this.sharesRejected,
      blocks_found: this.blocksFound,
      estimated_hashrate: this.hashrate.rate(this.now(), this.startedAt),
      prev_hash: tip === null ? null : hashToDisplay(tip.prevHash),
    };
  }

  clients() {
    return [...this.downstreams.values()].map((d) => this.client(d.id)!);
  }

  client(id: number) {
    const d = this.downstreams.get(id);
    if (d === undefined) return undefined;
    return {
      id: d.id,
      address: `${d.conn.remoteAddress}:${d.conn.remotePort}`,
      vendor: d.setup?.vendor ?? null,
      flags: d.setup?.flags ?? null,
      extensions: d.extensions,
      connected_secs: Math.round((this.now() - d.connectedAt) / 1000),
      shares_accepted: d.sharesAccepted,
      shares_rejected: d.sharesRejected,
      channels: this.manager.channelsOf(d.id).map((ch) => this.channelView(ch)),
    };
  }

  serverChannels() {
    return this.manager.connectionIds().flatMap((id) => this.manager.channelsOf(id).map((ch) => ({ client_id: id, ...this.channelView(ch) })));
  }

  private channelView(ch: ReturnType<ChannelManager['channelsOf']>[number]) {
    return {
      channel_id: ch.channelId,
      kind: ch.kind,
      user_identity: ch.userIdentity,
      nominal_hashrate: ch.nominalHashrate,
      difficulty: ch.difficulty,
      target: hashToDisplay(ch.target),
      shares_accepted: ch.accounting.accepted,
      share_difficulty_sum: ch.accounting.difficultySum,
      best_share_difficulty: ch.accounting.bestDifficulty,
      blocks_found: ch.accounting.blocksFound,
      rejected: Object.fromEntries(ch.accounting.rejected),
    };
  }

  /** Stops listening, drops every miner, waits for block submissions in flight, and commits every accepted share. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await Promise.all(this.servers.map((s) => s.close('pool shutting down')));
    await Promise.all([...this.pendingBlocks]);
    this.closed = true;
    this.store.close();
    await this.opts.feed.close();
  }
}
