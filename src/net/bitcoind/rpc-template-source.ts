/**
 * Templates from any node that speaks bitcoind's JSON-RPC (Bitcoin Core, Knots, btcd): long-polls
 * getblocktemplate (or polls when the node has no long polling), submits blocks through a
 * BlockSubmitter (a block the node does not answer for waits and goes again when it is back), and
 * reconnects with a short capped backoff when the node goes away. While a long poll waits, a
 * liveness check (getbestblockhash) runs every few seconds, so a frozen node (SIGSTOP, a hung
 * disk) is seen as unreachable within interval + timeout. Same TemplateSource interface as the
 * embedded chain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Emitter, type Unsubscribe } from '../../chain/events.js';
import { candidateFromGbt, type GbtResult } from '../../chain/gbt.js';
import { DEFAULT_CONSTRAINTS, type BlockTemplate, type CoinbaseConstraints } from '../../chain/template.js';
import { HubTemplateSource, type SubmitOutcome, type TemplateHubOptions } from '../../chain/template-source.js';
import { BlockJournal } from './block-journal.js';
import { BlockSubmitter, type SubmitEvent } from './block-submitter.js';
import { RpcError, RpcTransportError, type RpcClient } from './rpc-client.js';

export interface RpcTemplateSourceOptions extends TemplateHubOptions {
  client: RpcClient;
  /** Use getblocktemplate long polling when the node offers it (default true). */
  longPoll?: boolean;
  /** Poll interval without long polling (default 5 s). */
  pollIntervalMs?: number;
  /** A long poll with no answer this long is asked again (default 60 s); not an outage while the liveness check answers. */
  longPollTimeoutMs?: number;
  /** Liveness check while a long poll waits: every intervalMs, unreachable after timeoutMs without an answer (default 2 s, 2 s). */
  livenessIntervalMs?: number;
  livenessTimeoutMs?: number;
  /** Timeout of getblocktemplate polls, submitblock and getblockheader (default 10 s). */
  requestTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap (default 250 ms doubling to 2 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Found blocks kept while the node is away (default 16). */
  maxQueuedBlocks?: number;
  /** Found blocks are written here before they are submitted, and those left by an earlier run go again (default: memory only). */
  foundBlocksDir?: string;
}

/** Connection state changes; `downForMs` on a return: how long the node did not answer. */
export type ConnectionEvent = { connected: true; downForMs?: number } | { connected: false; error: string };

export class RpcTemplateSource extends HubTemplateSource {
  private readonly client: RpcClient;
  private readonly submitter: BlockSubmitter;
  private readonly events = new Emitter<{ connection: ConnectionEvent; ready: undefined }>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private connected = false;
  private downSince?: number;
  private longpollid?: string;

  constructor(private readonly opts: RpcTemplateSourceOptions) {
    super(opts);
    this.client = opts.client;
    const journal = opts.foundBlocksDir === undefined ? undefined : new BlockJournal(opts.foundBlocksDir);
    this.submitter = new BlockSubmitter({ client: opts.client, timeoutMs: opts.requestTimeoutMs, maxQueued: opts.maxQueuedBlocks, journal });
  }

  /** Connection state changes: the node answered again, or a call failed (the source keeps retrying). */
  onConnection(listener: (e: ConnectionEvent) => void): Unsubscribe {
    return this.events.on('connection', listener);
  }

  /** Blocks queued, resubmitted or given up while the node was away. */
  onSubmitEvent(listener: (e: SubmitEvent) => void): Unsubscribe {
    return this.submitter.onEvent(listener);
  }

  /** The node's RPC client, for other questions to the same node (a Job Declarator's mempool view). */
  get rpcClient(): RpcClient {
    return this.client;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Found blocks waiting for the node. */
  get queuedBlocks(): number {
    return this.submitter.queued;
  }

  async start(): Promise<void> {
    if (!this.loop) {
      this.submitter.restore();
      this.loop = this.run();
    }
    if (this.hub.ready) return;
    await new Promise<void>((resolve, reject) => {
      const off = this.events.on('ready', () => {
        off();
        resolve();
      });
      this.abort.signal.addEventListener('abort', () => reject(new Error('template source closed before the node answered')), { once: true });
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.submitter.close();
    await this.loop;
    this.client.close();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const initial = this.opts.backoffInitialMs ?? 250;
    let delay = initial;
    while (!signal.aborted) {
      const longPoll = (this.opts.longPoll ?? true) && this.longpollid !== undefined;
      const attempt = new AbortController();
      const stop = (): void => attempt.abort();
      signal.addEventListener('abort', stop, { once: true });
      const watch = longPoll ? this.watchLiveness(attempt) : undefined;
      try {
        const request = { rules: ['segwit'], ...(longPoll ? { longpollid: this.longpollid } : {}) };
        const timeoutMs = longPoll ? (this.opts.longPollTimeoutMs ?? 60_000) : (this.opts.requestTimeoutMs ?? 10_000);
        let result: GbtResult;
        try {
          result = await this.client.call<GbtResult>('getblocktemplate', [request], { signal: attempt.signal, timeoutMs });
        } finally {
          watch?.stop();
        }
        this.apply(result);
        this.up();
        delay = initial;
        this.longpollid = typeof result.longpollid === 'string' ? result.longpollid : undefined;
        if (!this.longpollid || this.opts.longPoll === false) await sleep(this.opts.pollIntervalMs ?? 5000, undefined, { signal });
      } catch (e) {
        if (signal.aborted) break;
        // A long poll that simply ran long is asked again, if the node still answers a quick call.
        if (longPoll && e instanceof RpcTransportError && e.timedOut && watch?.failure === undefined && (await this.alive())) continue;
        const message = watch?.failure ?? (e instanceof RpcError ? `node refused getblocktemplate: ${e.message}` : (e as Error).message);
        this.down(message, delay === initial);
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          break;
        }
        delay = Math.min(delay * 2, this.opts.backoffMaxMs ?? 2000);
      } finally {
        signal.removeEventListener('abort', stop);
      }
    }
  }

  /** Checks the node while a long poll waits; a check without an answer aborts the long poll. */
  private watchLiveness(attempt: AbortController): { stop(): void; failure?: string } {
    const timeoutMs = this.opts.livenessTimeoutMs ?? 2000;
    const w: { stop(): void; failure?: string } = { stop: () => clearInterval(timer) };
    let inFlight = false;
    const timer = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      this.client
        .call('getbestblockhash', [], { timeoutMs, signal: attempt.signal })
        .then(
          () => void this.submitter.retry(),
          (e: unknown) => {
            if (attempt.signal.aborted) return;
            w.failure = `no answer to a liveness check within ${timeoutMs} ms: ${(e as Error).message}`;
            attempt.abort();
          },
        )
        .finally(() => (inFlight = false));
    }, this.opts.livenessIntervalMs ?? 2000);
    timer.unref();
    return w;
  }

  private async alive(): Promise<boolean> {
    try {
      await this.client.call('getbestblockhash', [], { timeoutMs: this.opts.livenessTimeoutMs ?? 2000, signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  private up(): void {
    if (!this.connected) {
      this.connected = true;
      const downForMs = this.downSince === undefined ? undefined : Date.now() - this.downSince;
      this.downSince = undefined;
      this.events.emit('connection', downForMs === undefined ? { connected: true } : { connected: true, downForMs });
    }
    void this.submitter.retry();
  }

  /** Reported once per outage (and on the first failure before the node ever answered). */
  private down(error: string, firstFailure: boolean): void {
    if (this.connected || (firstFailure && this.downSince === undefined)) {
      this.downSince ??= Date.now();
      this.events.emit('connection', { connected: false, error });
    }
    this.connected = false;
    this.longpollid = undefined;
  }

  private apply(result: GbtResult): void {
    const candidate = candidateFromGbt(result);
    const wasReady = this.hub.ready;
    this.hub.update(candidate, { hash: candidate.prevHash, height: candidate.height - 1, nextBits: candidate.bits });
    if (!wasReady) this.events.emit('ready', undefined);
  }

  async currentTemplate(constraints: CoinbaseConstraints = DEFAULT_CONSTRAINTS): Promise<BlockTemplate> {
    if (!this.hub.ready) await this.start();
    return this.hub.build(constraints);
  }

  submitBlock(block: Uint8Array): Promise<SubmitOutcome> {
    return this.submitter.submit(block);
  }
}
