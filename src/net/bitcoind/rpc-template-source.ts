/**
 * Templates from any node that speaks bitcoind's JSON-RPC (Bitcoin Core, Knots, btcd): long-polls
 * getblocktemplate (or polls when the node has no long polling), submits blocks with submitblock,
 * and reconnects with exponential backoff when the node goes away. Same TemplateSource interface
 * as the embedded chain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { headerHash } from '../../bitcoin/header.js';
import { bytesToHex } from '../../codec/hex.js';
import { Emitter, type Unsubscribe } from '../../chain/events.js';
import { candidateFromGbt, type GbtResult } from '../../chain/gbt.js';
import { DEFAULT_CONSTRAINTS, type BlockTemplate, type CoinbaseConstraints } from '../../chain/template.js';
import { HubTemplateSource, type SubmitOutcome, type TemplateHubOptions } from '../../chain/template-source.js';
import { RpcError, type RpcClient } from './rpc-client.js';

export interface RpcTemplateSourceOptions extends TemplateHubOptions {
  client: RpcClient;
  /** Use getblocktemplate long polling when the node offers it (default true). */
  longPoll?: boolean;
  /** Poll interval without long polling (default 5 s). */
  pollIntervalMs?: number;
  /** Reconnect backoff: first delay and cap (default 500 ms doubling to 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export type ConnectionEvent = { connected: true } | { connected: false; error: string };

export class RpcTemplateSource extends HubTemplateSource {
  private readonly client: RpcClient;
  private readonly events = new Emitter<{ connection: ConnectionEvent; ready: undefined }>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private connected = false;
  private longpollid?: string;

  constructor(private readonly opts: RpcTemplateSourceOptions) {
    super(opts);
    this.client = opts.client;
  }

  /** Connection state changes: the node answered again, or a call failed (the source keeps retrying). */
  onConnection(listener: (e: ConnectionEvent) => void): Unsubscribe {
    return this.events.on('connection', listener);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async start(): Promise<void> {
    if (!this.loop) this.loop = this.run();
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
    await this.loop;
    this.client.close();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let delay = this.opts.backoffInitialMs ?? 500;
    while (!signal.aborted) {
      try {
        const longPoll = (this.opts.longPoll ?? true) && this.longpollid !== undefined;
        const request = { rules: ['segwit'], ...(longPoll ? { longpollid: this.longpollid } : {}) };
        const result = await this.client.call<GbtResult>('getblocktemplate', [request], { signal, ...(longPoll ? { timeoutMs: 0 } : {}) });
        this.apply(result);
        if (!this.connected) {
          this.connected = true;
          this.events.emit('connection', { connected: true });
        }
        delay = this.opts.backoffInitialMs ?? 500;
        this.longpollid = typeof result.longpollid === 'string' ? result.longpollid : undefined;
        if (!this.longpollid || this.opts.longPoll === false) await sleep(this.opts.pollIntervalMs ?? 5000, undefined, { signal });
      } catch (e) {
        if (signal.aborted) break;
        const message = e instanceof RpcError ? `node refused getblocktemplate: ${e.message}` : (e as Error).message;
        if (this.connected || delay === (this.opts.backoffInitialMs ?? 500)) this.events.emit('connection', { connected: false, error: message });
        this.connected = false;
        this.longpollid = undefined;
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          break;
        }
        delay = Math.min(delay * 2, this.opts.backoffMaxMs ?? 30_000);
      }
    }
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

  async submitBlock(block: Uint8Array): Promise<SubmitOutcome> {
    const hash = block.length >= 80 ? headerHash(block) : undefined;
    try {
      const r = await this.client.call<string | null>('submitblock', [bytesToHex(block)]);
      return r === null ? { accepted: true, hash } : { accepted: false, reason: r, hash };
    } catch (e) {
      return { accepted: false, reason: e instanceof RpcError ? e.detail : `node unreachable: ${(e as Error).message}`, hash };
    }
  }
}
