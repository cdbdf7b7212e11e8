/**
 * The Job Declarator Server inside the pool: a Job Declaration Protocol listener on the shared
 * `DownstreamServer`, with the pool's authority. It hands out mining job tokens with the outputs
 * the pool requires, judges DeclareMiningJob against the pool's node (see `declaration.ts`), and
 * turns a PushSolution into the block of the declared job, which the pool submits like its own.
 * The tokens it declares are what the pool's SetCustomMiningJob accepts (`custom-jobs.ts`).
 */
import type { Logger } from 'pino';
import type { AssembledBlock } from '../../../bitcoin/block.js';
import { equalBytes } from '../../../bitcoin/bytes.js';
import { bitsToTarget, hashMeetsTarget } from '../../../bitcoin/target.js';
import { declaredBlock, type DeclaredJob } from '../../../chain/declared-job.js';
import { encodeOutputVector, type RequiredOutputs } from '../../../channels/jd-coinbase.js';
import { JobTokenStore } from '../../../channels/job-tokens.js';
import { Protocol, SetupConnectionErrorCode } from '../../../messages/common.js';
import { EXTENSION_NEGOTIATION } from '../../../messages/extensions.js';
import { JobDeclarationErrorCode, JobDeclarationSetupFlags } from '../../../messages/job-declaration.js';
import type { AnyMessage, MessageName, Messages } from '../../../messages/registry.js';
import type { ServerIdentity } from '../../../noise/server-identity.js';
import { DownstreamServer, SetupRefused, type Downstream, type DownstreamHandler, type SetUpDownstream } from '../../common/downstream-server.js';
import type { ListenLimits } from '../../common/limits.js';
import { peerFault, RoleError } from '../../common/role-error.js';
import type { JdsConfig } from '../config.js';
import { judgeDeclaration } from './declaration.js';
import type { JdNodeView } from './node-view.js';

export interface JobDeclaratorOptions {
  config: JdsConfig;
  identity: ServerIdentity;
  node: JdNodeView;
  /** The outputs the pool requires now: its payout first (value zero), then the payees of payouts in the coinbase. */
  requiredOutputs: () => RequiredOutputs;
  /** A block rebuilt from a PushSolution: the pool records and submits it. */
  submitBlock: (block: AssembledBlock, job: DeclaredJob) => void;
  limits: ListenLimits;
  maxFramePayload: number;
  log: Logger;
  /** Wall clock in ms. */
  now: () => number;
}

/** Declarations one connection may have being judged at once (each costs the node a block check). */
const MAX_IN_FLIGHT = 4;
/**
 * Frame payload a JD client may send: ProvideMissingTransactions.Success can carry a whole block's
 * transactions (up to ~4 MB), over the Mining listener's 1 MiB.
 */
const JD_MAX_FRAME = 8 << 20;
/** Declared jobs a connection's PushSolution may name (the spec only promises the last). */
const RECENT_JOBS = 8;

interface Pending {
  positions: number;
  resolve(txs: Uint8Array[]): void;
  reject(e: Error): void;
}

export interface JdPeer {
  declareTxData: boolean;
  /** Waiting for ProvideMissingTransactions.Success, by DeclareMiningJob request id. */
  pending: Map<number, Pending>;
  /** Declarations being judged. */
  inFlight: number;
  /** Declared jobs, newest last. */
  recent: DeclaredJob[];
  extensions: number[];
}

/** Counts for logs, the API and tests. */
export interface JdsCounts {
  tokensAllocated: number;
  declared: number;
  refused: number;
  missingTxsAsked: number;
  pushedSolutions: number;
}

export class JobDeclarator implements DownstreamHandler<JdPeer> {
  readonly protocol = Protocol.JobDeclaration;
  readonly tokens: JobTokenStore<DeclaredJob>;
  readonly counts: JdsCounts = { tokensAllocated: 0, declared: 0, refused: 0, missingTxsAsked: 0, pushedSolutions: 0 };
  private server: DownstreamServer<JdPeer> | undefined;
  private readonly log: Logger;

  private constructor(private readonly opts: JobDeclaratorOptions) {
    this.log = opts.log;
    this.tokens = new JobTokenStore({ lifetimeSecs: opts.config.token_lifetime_secs, maxPerConnection: opts.config.max_tokens_per_connection, maxTotal: opts.config.max_tokens });
  }

  static async start(opts: JobDeclaratorOptions): Promise<JobDeclarator> {
    const jds = new JobDeclarator(opts);
    jds.server = await DownstreamServer.listen(
      {
        listeners: [{ address: opts.config.listen_address, identity: opts.identity }],
        maxFramePayload: Math.max(opts.maxFramePayload, JD_MAX_FRAME),
        // A JD client is quiet between blocks: no idle cut.
        limits: { ...opts.limits, idleTimeoutMs: 0 },
        log: opts.log,
        now: opts.now,
      },
      jds,
    );
    opts.log.info({ port: jds.port, node: opts.node.kind, fullTemplateRequired: opts.config.full_template_mode_required }, 'job declarator listening');
    return jds;
  }

  get port(): number {
    return this.server!.ports[0]!;
  }

  /** The pool's node as the declarator sees it. */
  get node(): JdNodeView {
    return this.opts.node;
  }

  get size(): number {
    return this.server?.size ?? 0;
  }

  async close(): Promise<void> {
    await this.server?.close('pool shutting down');
  }

  /** Whether SetCustomMiningJob may name a token that was allocated but never declared (Coinbase-only mode). */
  get allowsCoinbaseOnly(): boolean {
    return !this.opts.config.full_template_mode_required;
  }

  setUp(_d: Downstream<JdPeer>, s: Messages['SetupConnection']): { state: JdPeer; flags: number } {
    const unsupported = s.flags & ~JobDeclarationSetupFlags.DeclareTxData;
    if (unsupported !== 0) throw new SetupRefused(SetupConnectionErrorCode.UnsupportedFeatureFlags, unsupported);
    const declareTxData = (s.flags & JobDeclarationSetupFlags.DeclareTxData) !== 0;
    if (!declareTxData && this.opts.config.full_template_mode_required) throw new SetupRefused(SetupConnectionErrorCode.MissingDeclareTxDataFlag, JobDeclarationSetupFlags.DeclareTxData);
    return { state: { declareTxData, pending: new Map(), inFlight: 0, recent: [], extensions: [] }, flags: 0 };
  }

  onMessage(d: SetUpDownstream<JdPeer>, m: AnyMessage): void {
    switch (m.name) {
      case 'AllocateMiningJobToken': {
        // The outputs are fixed with the token: its declaration and custom job are judged by them.
        const t = this.tokens.allocate(d.id, m.message.userIdentifier, this.seconds(), this.opts.requiredOutputs());
        this.counts.tokensAllocated++;
        this.send(d, 'AllocateMiningJobTokenSuccess', { requestId: m.message.requestId, miningJobToken: t.token, coinbaseTxOutputs: encodeOutputVector(t.required.outputs) });
        return;
      }
      case 'DeclareMiningJob':
        this.declare(d, m.message);
        return;
      case 'ProvideMissingTransactionsSuccess': {
        const p = d.state.pending.get(m.message.requestId);
        // Late (after its timeout) or never asked: logged, the connection stays.
        if (p === undefined) throw new RoleError('SV2_ERR_UNEXPECTED_MESSAGE', `ProvideMissingTransactions.Success for request ${m.message.requestId}, which is not waiting`, 'log');
        d.state.pending.delete(m.message.requestId);
        p.resolve(m.message.transactionList);
        return;
      }
      case 'PushSolution':
        this.pushSolution(d, m.message);
        return;
      case 'RequestExtensions':
        this.negotiateExtensions(d, m.message);
        return;
      default:
        throw peerFault('SV2_ERR_UNEXPECTED_MESSAGE', `unexpected ${m.name} from a JD client`);
    }
  }

  onClose(d: Downstream<JdPeer>): void {
    for (const p of d.state?.pending.values() ?? []) p.reject(new Error('connection closed'));
  }

  private declare(d: SetUpDownstream<JdPeer>, m: Messages['DeclareMiningJob']): void {
    const fail = (errorCode: string, details: string): void => {
      this.counts.refused++;
      this.log.info({ client: d.id, request: m.requestId, errorCode, details }, 'declared job refused');
      this.send(d, 'DeclareMiningJobError', { requestId: m.requestId, errorCode, errorDetails: new TextEncoder().encode(details.slice(0, 1000)) });
    };
    if (!d.state.declareTxData) return fail(JobDeclarationErrorCode.InvalidJob, 'DeclareMiningJob needs DECLARE_TX_DATA in SetupConnection');
    if (d.state.pending.has(m.requestId) || d.state.inFlight >= MAX_IN_FLIGHT) return fail(JobDeclarationErrorCode.InvalidJob, `more than ${MAX_IN_FLIGHT} declarations at once, or a request id already waiting`);
    const token = this.tokens.spendForDeclaration(m.miningJobToken, d.id, this.seconds());
    if (typeof token === 'string') return fail(JobDeclarationErrorCode.InvalidMiningJobToken, `token ${token}`);
    const t0 = performance.now();
    d.state.inFlight++;
    judgeDeclaration(m, token.userIdentifier, {
      node: this.opts.node,
      requiredOutputs: token.required,
      askMissing: (positions) => this.askMissing(d, m.requestId, positions),
    })
      .finally(() => d.state.inFlight--)
      .then(
        (v) => {
          if (!v.ok) this.tokens.refuse(token);
          if (!d.conn.isOpen) return;
          if (!v.ok) return fail(v.errorCode, v.details);
          this.tokens.declare(token, v.job, this.seconds());
          d.state.recent.push(v.job);
          if (d.state.recent.length > RECENT_JOBS) d.state.recent.shift();
          this.counts.declared++;
          this.log.debug({ client: d.id, request: m.requestId, txs: v.job.transactions.length, provided: v.provided, ms: Math.round(performance.now() - t0) }, 'declared job accepted');
          this.send(d, 'DeclareMiningJobSuccess', { requestId: m.requestId, newMiningJobToken: token.token });
        },
        (e: unknown) => {
          this.tokens.refuse(token);
          if (!d.conn.isOpen) return;
          fail(JobDeclarationErrorCode.InternalError, (e as Error).message);
        },
      );
  }

  private askMissing(d: SetUpDownstream<JdPeer>, requestId: number, positions: number[]): Promise<Uint8Array[]> {
    this.counts.missingTxsAsked += positions.length;
    const timeoutMs = this.opts.config.missing_txs_timeout_secs * 1000;
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        d.state.pending.delete(requestId);
        resolve([]); // judged as missing transactions
      }, timeoutMs);
      timer.unref();
      d.state.pending.set(requestId, {
        positions: positions.length,
        resolve: (txs) => {
          clearTimeout(timer);
          resolve(txs);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send(d, 'ProvideMissingTransactions', { requestId, unknownTxPositionList: positions });
    });
  }

  /** The block of the connection's declared job this solves (newest first), submitted through the pool. */
  private pushSolution(d: SetUpDownstream<JdPeer>, s: Messages['PushSolution']): void {
    const recent = d.state.recent;
    for (let i = recent.length - 1; i >= 0; i--) {
      const job = recent[i]!;
      if (!equalBytes(job.prevHash, s.prevHash) || job.nbits !== s.nbits || job.extranonceSize !== s.extranonce.length) continue;
      const block = declaredBlock(job, { extranonce: s.extranonce, version: s.version, ntime: s.ntime, nonce: s.nonce });
      if (!hashMeetsTarget(block.hash, bitsToTarget(job.nbits))) continue;
      this.counts.pushedSolutions++;
      this.opts.submitBlock(block, job);
      return;
    }
    this.log.warn({ client: d.id }, 'PushSolution matches no declared job of this connection (or does not meet its target)');
  }

  private negotiateExtensions(d: SetUpDownstream<JdPeer>, r: Messages['RequestExtensions']): void {
    const cfg = this.opts.config;
    const supported = r.requestedExtensions.filter((e) => cfg.supported_extensions.includes(e) && e !== EXTENSION_NEGOTIATION);
    const missing = cfg.required_extensions.filter((e) => !r.requestedExtensions.includes(e));
    if (supported.length === 0 || missing.length > 0) {
      this.send(d, 'RequestExtensionsError', { requestId: r.requestId, unsupportedExtensions: r.requestedExtensions.filter((e) => !supported.includes(e)), requiredExtensions: cfg.required_extensions });
      return;
    }
    d.state.extensions = supported;
    this.send(d, 'RequestExtensionsSuccess', { requestId: r.requestId, supportedExtensions: supported });
  }

  private send<N extends MessageName>(d: Downstream<JdPeer>, name: N, message: Messages[N]): void {
    this.server?.send(d, name, message);
  }

  private seconds(): number {
    return Math.floor(this.opts.now() / 1000);
  }
}
