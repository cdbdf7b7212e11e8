/**
 * The Template Provider role: a Template Distribution server (Noise, or plaintext on loopback when
 * configured) in front of a TemplateSource. Each client gets templates built for its own
 * CoinbaseOutputConstraints: its best template at once, a future template + SetNewPrevHash on
 * every new tip, and fee-driven updates at most once per interval. It answers
 * RequestTransactionData and turns SubmitSolution into a block for the node, at once.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { BitcoinDecodeError, equalBytes, hashToDisplay } from '../../bitcoin/bytes.js';
import { findWitnessCommitment, ZERO_WITNESS_RESERVED_VALUE } from '../../bitcoin/witness.js';
import { newTemplateMessage, setNewPrevHashMessage } from '../../chain/tdp.js';
import type { BlockTemplate, CoinbaseConstraints } from '../../chain/template.js';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { Protocol } from '../../messages/common.js';
import type { AnyMessage, MessageName, Messages } from '../../messages/registry.js';
import { TemplateDistributionErrorCode } from '../../messages/template-distribution.js';
import { ServerIdentity } from '../../noise/server-identity.js';
import type { Connection } from '../../net/connection.js';
import { splitHostPort } from '../common/config.js';
import { silentLogger } from '../common/logger.js';
import { DownstreamServer, type Downstream, type DownstreamHandler, type SetUpDownstream } from '../common/downstream-server.js';
import { listenLimits } from '../common/limits.js';
import { peerFault } from '../common/role-error.js';
import type { Backend } from './backend.js';
import { authorityOf, type TpConfig } from './config.js';
import { TpMetrics } from './metrics.js';

export interface TemplateProviderOptions {
  config: TpConfig;
  backend: Backend;
  logger?: Logger;
  /** A client that has not sent SetupConnection by then is dropped (default 10 s). */
  setupTimeoutMs?: number;
}

/** What became of a SubmitSolution. */
export interface BlockReport {
  clientId: number;
  templateId: bigint;
  /** The node has the block on its best chain. */
  accepted: boolean;
  /** Valid but off the node's best chain (another block at that height won). */
  stale?: boolean;
  /** The node's reject reason, or ours (template-id-not-found, invalid-coinbase-tx). */
  reason?: string;
  /** Block hash, display order. */
  hash?: string;
  height?: number;
}

export interface TemplateProviderEvents {
  block: [report: BlockReport];
}

/** A set-up client's template state (the downstream server keeps its connection and setup). */
export interface Session {
  id: number;
  conn: Connection;
  constraints: CoinbaseConstraints | null;
  group: ConstraintGroup | null;
  /** Bumped on every CoinbaseOutputConstraints: an answer built for an older one is dropped. */
  generation: number;
  /** What the client mines on: the prev hash of its last SetNewPrevHash. */
  prevHash: Uint8Array | null;
  lastFees: bigint;
  lastTemplateId: bigint;
  /** performance.now() of the last NewTemplate sent. */
  lastSentAt: number;
  /** The newest fee-driven template waiting for the interval to pass. */
  pending: BlockTemplate | undefined;
  timer: NodeJS.Timeout | undefined;
  templatesSent: number;
  solutions: number;
}

/** Clients with the same constraints share one subscription, so a template is built once for all of them. */
interface ConstraintGroup {
  key: string;
  members: Set<Session>;
  unsubscribe: () => void;
}

interface TemplateMessages {
  future?: Messages['NewTemplate'];
  update?: Messages['NewTemplate'];
  prevHash?: Messages['SetNewPrevHashTdp'];
}

export class TemplateProvider extends EventEmitter<TemplateProviderEvents> implements DownstreamHandler<Session> {
  readonly protocol = Protocol.TemplateDistribution;
  readonly metrics = new TpMetrics(
    () => this.setUpCount(),
    () => this.startedAt,
    () => this.server?.refusals(),
  );
  private readonly log: Logger;
  private readonly cfg: TpConfig;
  private readonly backend: Backend;
  private server: DownstreamServer<Session> | undefined;
  private readonly groups = new Map<string, ConstraintGroup>();
  private readonly encoded = new WeakMap<BlockTemplate, TemplateMessages>();
  private readonly pendingBlocks = new Set<Promise<void>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly feeDelta: bigint;
  private readonly intervalMs: number;
  private readonly startedAt = Date.now();
  private tipSeenAt: number | undefined;
  private templatesSent = 0;
  private blocksAccepted = 0;
  private blocksRejected = 0;
  private blocksStale = 0;
  private readonly reasons = new ReasonLabels();
  private lastBlock: { at: string; report: BlockReport } | null = null;
  private closed = false;

  private constructor(private readonly opts: TemplateProviderOptions) {
    super();
    this.cfg = opts.config;
    this.backend = opts.backend;
    this.log = opts.logger ?? silentLogger();
    this.feeDelta = BigInt(this.cfg.fee_delta_sats);
    this.intervalMs = this.cfg.template_interval_secs * 1000;
  }

  /** Starts the backend's source and the listener; resolves once clients can connect. */
  static async start(opts: TemplateProviderOptions): Promise<TemplateProvider> {
    const tp = new TemplateProvider(opts);
    try {
      await tp.startParts();
    } catch (e) {
      await tp.close();
      throw e;
    }
    return tp;
  }

  get port(): number {
    return this.server?.ports[0] ?? 0;
  }

  get source() {
    return this.backend.source;
  }

  private async startParts(): Promise<void> {
    const cfg = this.cfg;
    const identity = cfg.plaintext ? undefined : ServerIdentity.create({ authority: authorityOf(cfg), validitySeconds: cfg.cert_validity_sec });
    this.unsubscribe.push(this.source.onNewTip(() => (this.tipSeenAt = performance.now())));
    // The RPC backend resolves start() once the node has answered; clients that connect before
    // then get their first template as soon as it has.
    const started = this.source.start();
    if (this.backend.kind === 'embedded') await started;
    else started.catch((e: unknown) => this.closed || this.log.error({ err: (e as Error).message }, 'template source stopped'));
    const setupTimeout = this.opts.setupTimeoutMs === undefined ? {} : { setupTimeoutMs: this.opts.setupTimeoutMs };
    this.server = await DownstreamServer.listen({ listeners: [{ address: cfg.listen_address, identity }], maxFramePayload: cfg.max_frame_bytes, limits: listenLimits(cfg), log: this.log, ...setupTimeout }, this);
    this.log.info({ address: `${splitHostPort(cfg.listen_address).host}:${this.port}`, encrypted: identity !== undefined, authority: cfg.authority_public_key, backend: this.backend.kind }, 'template provider listening');
  }

  /** DownstreamHandler: Template Distribution defines no flags; any a client sets are ignored and none are echoed. */
  setUp(d: Downstream<Session>): { state: Session; flags: number } {
    const state: Session = {
      id: d.id, conn: d.conn, constraints: null, group: null, generation: 0,
      prevHash: null, lastFees: 0n, lastTemplateId: 0n, lastSentAt: 0, pending: undefined, timer: undefined, templatesSent: 0, solutions: 0,
    };
    return { state, flags: 0 };
  }

  onMessage(d: SetUpDownstream<Session>, m: AnyMessage): void {
    const s = d.state;
    switch (m.name) {
      case 'CoinbaseOutputConstraints':
        this.onConstraints(s, m.message).catch((e: unknown) => {
          this.log.error({ client: s.id, err: (e as Error).message }, 'no template for the client');
          void s.conn.close('no template available');
        });
        return;
      case 'RequestTransactionData':
        this.onRequestTransactionData(s, m.message.templateId);
        return;
      case 'SubmitSolution':
        this.onSubmitSolution(s, m.message);
        return;
      default:
        throw peerFault('SV2_ERR_UNEXPECTED_MESSAGE', `unexpected ${m.name} on a Template Distribution connection`);
    }
  }

  onClose(d: Downstream<Session>): void {
    const s = d.state;
    if (s === undefined) return;
    clearTimeout(s.timer);
    s.pending = undefined;
    this.leaveGroup(s);
  }

  /** Spec: answer at once with the best template for these constraints (future + SetNewPrevHash), then keep the client updated. */
  private async onConstraints(s: Session, m: Messages['CoinbaseOutputConstraints']): Promise<void> {
    const constraints: CoinbaseConstraints = { maxAdditionalSize: m.coinbaseOutputMaxAdditionalSize, maxAdditionalSigops: m.coinbaseOutputMaxAdditionalSigops };
    const generation = ++s.generation;
    this.leaveGroup(s);
    clearTimeout(s.timer);
    s.timer = undefined;
    s.pending = undefined;
    let t = await this.source.currentTemplate(constraints);
    // A tip that moved while the template was being fetched (an RPC round trip) gets a fresh one.
    for (let tries = 0; tries < 3; tries++) {
      const tip = this.source.tip();
      if (tip === undefined || equalBytes(tip.hash, t.prevHash)) break;
      t = await this.source.currentTemplate(constraints);
    }
    if (generation !== s.generation || !s.conn.isOpen || this.closed) return;
    s.constraints = constraints;
    this.log.debug({ client: s.id, ...constraints }, 'coinbase output constraints');
    this.sendNewTip(s, t, false);
    this.joinGroup(s, constraints);
  }

  private joinGroup(s: Session, c: CoinbaseConstraints): void {
    const key = `${c.maxAdditionalSize}/${c.maxAdditionalSigops}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      const group: ConstraintGroup = { key, members: new Set(), unsubscribe: () => {} };
      group.unsubscribe = this.source.onTemplate(c, (t) => {
        for (const member of [...group.members]) this.deliver(member, t);
      });
      this.groups.set(key, (g = group));
    }
    g.members.add(s);
    s.group = g;
  }

  private leaveGroup(s: Session): void {
    const g = s.group;
    if (g === null) return;
    s.group = null;
    g.members.delete(s);
    if (g.members.size === 0) {
      g.unsubscribe();
      this.groups.delete(g.key);
    }
  }

  /** A template from the source for this client's constraints: a new tip goes out at once, a fee rise waits for the interval. */
  private deliver(s: Session, t: BlockTemplate): void {
    if (!s.conn.isOpen || t.id <= s.lastTemplateId) return;
    if (s.prevHash === null || !equalBytes(s.prevHash, t.prevHash)) {
      this.sendNewTip(s, t, true);
      return;
    }
    if (t.fees - s.lastFees < this.feeDelta) return;
    const wait = s.lastSentAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.sendUpdate(s, t);
      return;
    }
    s.pending = t; // a newer rise replaces an older one still waiting
    s.timer ??= setTimeout(() => {
      s.timer = undefined;
      const p = s.pending;
      s.pending = undefined;
      if (p !== undefined && s.conn.isOpen && s.prevHash !== null && equalBytes(s.prevHash, p.prevHash)) this.sendUpdate(s, p);
    }, wait);
    s.timer.unref();
  }

  private messagesOf(t: BlockTemplate): TemplateMessages {
    let m = this.encoded.get(t);
    if (m === undefined) this.encoded.set(t, (m = {}));
    return m;
  }

  private sendNewTip(s: Session, t: BlockTemplate, fromTip: boolean): void {
    clearTimeout(s.timer);
    s.timer = undefined;
    s.pending = undefined;
    const m = this.messagesOf(t);
    this.send(s, 'NewTemplate', (m.future ??= newTemplateMessage(t, true)));
    this.send(s, 'SetNewPrevHashTdp', (m.prevHash ??= setNewPrevHashMessage(t)));
    this.sent(s, t, 'future');
    s.prevHash = t.prevHash;
    this.metrics.prevHashes.inc();
    if (fromTip && this.tipSeenAt !== undefined) this.metrics.tipToWire.observe((performance.now() - this.tipSeenAt) / 1000);
  }

  private sendUpdate(s: Session, t: BlockTemplate): void {
    const m = this.messagesOf(t);
    this.send(s, 'NewTemplate', (m.update ??= newTemplateMessage(t, false)));
    this.sent(s, t, 'update');
  }

  private sent(s: Session, t: BlockTemplate, kind: 'future' | 'update'): void {
    s.lastFees = t.fees;
    s.lastTemplateId = t.id;
    s.lastSentAt = performance.now();
    s.templatesSent++;
    this.templatesSent++;
    this.metrics.templates.inc({ kind });
    this.log.debug({ client: s.id, templateId: String(t.id), kind, height: t.height, txs: t.transactions.length, fees: String(t.fees) }, 'template sent');
  }

  private send<N extends MessageName>(s: Session, name: N, message: Messages[N]): void {
    if (!s.conn.isOpen) return;
    s.conn.send(name, message).catch(() => {
      // A closed or overflowing connection: its close handler cleans up.
    });
  }

  /** Success for a template on the current tip; stale-template-id once the tip moved on; template-id-not-found once it left the cache. */
  private onRequestTransactionData(s: Session, templateId: bigint): void {
    const t = this.source.template(templateId);
    const tip = this.source.tip();
    const refuse = (errorCode: string): void => {
      this.metrics.transactionData.inc({ result: errorCode });
      this.log.debug({ client: s.id, templateId: String(templateId), errorCode }, 'RequestTransactionData refused');
      this.send(s, 'RequestTransactionDataError', { templateId, errorCode });
    };
    if (t === undefined) return refuse(TemplateDistributionErrorCode.TemplateIdNotFound);
    if (tip !== undefined && !equalBytes(tip.hash, t.prevHash)) return refuse(TemplateDistributionErrorCode.StaleTemplateId);
    this.metrics.transactionData.inc({ result: 'success' });
    // As Bitcoin Core's provider: excess_data is the coinbase witness (the reserved value) when the block commits to witnesses.
    const excessData = findWitnessCommitment(t.coinbaseOutputs) >= 0 ? ZERO_WITNESS_RESERVED_VALUE : new Uint8Array(0);
    this.send(s, 'RequestTransactionDataSuccess', { templateId, excessData, transactionList: t.transactions.map((x) => x.data) });
  }

  /** The block goes to the node at once; the outcome is logged, counted and emitted. */
  private onSubmitSolution(s: Session, m: Messages['SubmitSolution']): void {
    s.solutions++;
    const t = this.source.template(m.templateId);
    if (t === undefined) {
      this.report(s, { clientId: s.id, templateId: m.templateId, accepted: false, reason: TemplateDistributionErrorCode.TemplateIdNotFound });
      return;
    }
    const done = this.source
      .submitSolution({ templateId: m.templateId, version: m.version, time: m.headerTimestamp, nonce: m.headerNonce, coinbase: m.coinbaseTx })
      .catch((e: unknown): SubmitOutcome => {
        if (e instanceof BitcoinDecodeError) return { accepted: false, reason: 'invalid-coinbase-tx' };
        this.log.error({ client: s.id, err: (e as Error).message }, 'block submission failed');
        return { accepted: false, reason: 'submit-failed' };
      })
      .then((o) => {
        this.report(s, {
          clientId: s.id,
          templateId: m.templateId,
          accepted: o.accepted,
          ...(o.stale ? { stale: true } : {}),
          reason: o.reason,
          hash: o.hash === undefined ? undefined : hashToDisplay(o.hash),
          height: t.height,
        });
      });
    this.pendingBlocks.add(done);
    void done.finally(() => this.pendingBlocks.delete(done));
  }

  private report(s: Session, r: BlockReport): void {
    const fields = { client: s.id, templateId: String(r.templateId), hash: r.hash, height: r.height };
    if (r.accepted) {
      this.blocksAccepted++;
      this.metrics.blocksAccepted.inc();
      this.log.info(fields, 'block accepted: the node\'s new tip');
    } else if (r.stale) {
      this.blocksStale++;
      this.metrics.blocksStale.inc();
      this.log.warn({ ...fields, reason: r.reason }, 'block stale: valid, but off the node\'s best chain');
    } else {
      this.blocksRejected++;
      this.metrics.blocksRejected.inc({ reason: this.reasons.label(r.reason) });
      this.log.warn({ ...fields, reason: r.reason }, 'block rejected');
    }
    this.lastBlock = { at: new Date().toISOString(), report: r };
    this.emit('block', r);
  }

  /** Clients past SetupConnection. */
  setUpCount(): number {
    let n = 0;
    for (const d of this.server?.all() ?? []) if (d.setup !== null) n++;
    return n;
  }

  /** What the monitoring views read. */
  get downstreams(): DownstreamServer<Session> | undefined {
    return this.server;
  }

  get kind() {
    return this.backend.kind;
  }

  connected(): boolean {
    return this.backend.connected();
  }

  /** Found blocks kept until the node answers again. */
  queuedBlocks(): number {
    return this.backend.queuedBlocks?.() ?? 0;
  }

  stats() {
    return { startedAt: this.startedAt, templatesSent: this.templatesSent, blocksAccepted: this.blocksAccepted, blocksRejected: this.blocksRejected, blocksStale: this.blocksStale, lastBlock: this.lastBlock, config: this.cfg };
  }

  /** Stops listening, drops every client, then stops the backend while block submissions in flight finish (a block still waiting for the node is given up, and logged). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.server?.close('template provider shutting down');
    for (const g of this.groups.values()) g.unsubscribe();
    this.groups.clear();
    for (const u of this.unsubscribe.splice(0)) u();
    await Promise.all([...this.pendingBlocks, this.backend.close()]);
  }
}

/**
 * Prometheus labels from reject reasons: the whole reason token ("bad-txns-inputs-missingorspent",
 * "bad-cb-amount"), cleaned to a safe alphabet and cut at 64 characters; at most 32 distinct
 * labels, later new reasons count as "other", so a node with free-form messages cannot grow the set.
 */
export class ReasonLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 32) {}

  label(reason: string | undefined): string {
    const clean = (reason ?? '').trim().toLowerCase().replace(/[^a-z0-9_.:()-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
    const l = clean.length === 0 ? 'unknown' : clean;
    if (this.seen.has(l)) return l;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(l);
    return l;
  }
}
