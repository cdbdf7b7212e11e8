/**
 * The Template Distribution client: what a pool or a JD client uses to take templates from a
 * Template Provider over Sv2. It connects (Noise, the TP's authority key checked when given),
 * sets up protocol 2, announces its coinbase constraints, relays NewTemplate / SetNewPrevHash,
 * sends SubmitSolution, and reconnects with backoff when the provider goes away.
 */
import { Sv2Error } from '../../codec/sv2-error.js';
import type { Logger } from 'pino';
import type { SubmitOutcome } from '../../chain/template-source.js';
import { Protocol, PROTOCOL_VERSION } from '../../messages/common.js';
import type { AnyMessage, Messages } from '../../messages/registry.js';
import { connect } from '../../net/client.js';
import { ConnectFailedError } from '../../net/errors.js';
import type { Connection } from '../../net/connection.js';
import { splitHostPort } from './config.js';
import { silentLogger } from './logger.js';
import type { TemplateFeed, TemplateFeedHandlers } from './template-feed.js';

export interface TdpClientOptions {
  /** host:port of the Template Provider. */
  address: string;
  /** base58check authority key of the TP; absent: encrypted but not authenticated (a local TP). */
  authorityPublicKey?: string;
  /** Talk to the TP without encryption (a trusted local link that was configured that way). */
  plaintext?: boolean;
  logger?: Logger;
  /** Reconnect backoff: first delay and cap. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  vendor?: string;
}

export class TdpError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_TDP', message, options);
  }
}

/** The largest Sv2 frame payload (U24 length). */
const MAX_TDP_FRAME_PAYLOAD = 0xffffff;

type TransactionDataAnswer = Messages['RequestTransactionDataSuccess'] | Messages['RequestTransactionDataError'];

export class TdpTemplateFeed implements TemplateFeed {
  private conn: Connection | undefined;
  private handlers: TemplateFeedHandlers | undefined;
  private maxAdditionalSize = 0;
  private closed = false;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Set while the provider cannot be reached: one warning when it goes, one line when it is back. */
  private unreachableSince: number | undefined;
  private readonly log: Logger;
  private readonly pendingTx = new Map<bigint, { resolve: (r: TransactionDataAnswer) => void; reject: (e: Error) => void }[]>();

  constructor(private readonly opts: TdpClientOptions) {
    this.backoff = opts.backoffInitialMs ?? 500;
    this.log = opts.logger ?? silentLogger();
  }

  /**
   * Resolves once the first connection is set up, or at once when the provider is not reachable
   * yet (started after us): then it keeps trying, and templates come when it answers. A provider
   * that answers but refuses us (wrong key, setup refused) is a configuration problem: that throws.
   */
  setCoinbaseRoom(maxAdditionalSize: number): void {
    if (maxAdditionalSize <= this.maxAdditionalSize) return;
    this.maxAdditionalSize = maxAdditionalSize;
    // The provider answers a new CoinbaseOutputConstraints with a template that leaves the room; a
    // connection made later sends it at setup.
    if (this.conn?.isOpen === true) this.conn.post('CoinbaseOutputConstraints', { coinbaseOutputMaxAdditionalSize: maxAdditionalSize, coinbaseOutputMaxAdditionalSigops: 400 });
  }

  async start(maxAdditionalSize: number, handlers: TemplateFeedHandlers): Promise<void> {
    this.maxAdditionalSize = maxAdditionalSize;
    this.handlers = handlers;
    try {
      await this.connectOnce();
    } catch (e) {
      if (!(e instanceof ConnectFailedError)) throw e;
      this.log.warn({ address: this.opts.address, err: e.message }, 'Template Provider not reachable yet; retrying until it answers');
      this.unreachableSince = Date.now();
      this.scheduleReconnect();
    }
  }

  get connected(): boolean {
    return this.conn?.isOpen === true;
  }

  private async connectOnce(): Promise<void> {
    const { host, port } = splitHostPort(this.opts.address);
    // RequestTransactionData.Success carries a whole block's transactions: allow the protocol's largest frame.
    const limits = { maxFramePayload: MAX_TDP_FRAME_PAYLOAD };
    const conn = this.opts.plaintext
      ? await connect({ ...limits, host, port, plaintext: true })
      : await connect({ ...limits, host, port, authority: this.opts.authorityPublicKey ?? null });
    const setup = new Promise<void>((resolve, reject) => {
      const onMessage = (m: AnyMessage): void => {
        if (m.name === 'SetupConnectionSuccess') {
          conn.off('message', onMessage);
          resolve();
        } else if (m.name === 'SetupConnectionError') {
          conn.off('message', onMessage);
          reject(new TdpError(`Template Provider refused the connection: ${m.message.errorCode}`));
        }
      };
      conn.on('message', onMessage);
      conn.once('close', (info) => reject(new TdpError(`Template Provider closed the connection during setup: ${info.reason}`)));
    });
    await conn.send('SetupConnection', {
      protocol: Protocol.TemplateDistribution,
      minVersion: PROTOCOL_VERSION,
      maxVersion: PROTOCOL_VERSION,
      flags: 0,
      endpointHost: host,
      endpointPort: port,
      vendor: this.opts.vendor ?? 'stratum-v2-ts',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    try {
      await setup;
    } catch (e) {
      await conn.close('setup failed');
      throw e;
    }
    this.conn = conn;
    this.backoff = this.opts.backoffInitialMs ?? 500;
    conn.on('message', (m) => {
      switch (m.name) {
        case 'NewTemplate':
          this.handlers?.newTemplate(m.message);
          break;
        case 'SetNewPrevHashTdp':
          this.handlers?.setNewPrevHash(m.message);
          break;
        case 'RequestTransactionDataSuccess':
        case 'RequestTransactionDataError': {
          // Answers come in request order, so the oldest waiter for this id gets this one.
          const waiters = this.pendingTx.get(m.message.templateId);
          waiters?.shift()?.resolve(m.message);
          if (waiters?.length === 0) this.pendingTx.delete(m.message.templateId);
          break;
        }
        default:
          this.log.debug({ msg: m.name }, 'unexpected message from the Template Provider');
      }
    });
    conn.once('close', (info) => {
      // Requests on this connection will never be answered.
      const waiting = [...this.pendingTx.values()].flat();
      this.pendingTx.clear();
      for (const w of waiting) w.reject(new TdpError(`Template Provider connection closed before it answered RequestTransactionData: ${info.reason}`));
      if (this.closed) return;
      this.log.warn({ reason: info.reason }, 'Template Provider connection lost; reconnecting');
      this.unreachableSince = Date.now();
      this.scheduleReconnect();
    });
    await conn.send('CoinbaseOutputConstraints', { coinbaseOutputMaxAdditionalSize: this.maxAdditionalSize, coinbaseOutputMaxAdditionalSigops: 400 });
    const downMs = this.unreachableSince === undefined ? undefined : Date.now() - this.unreachableSince;
    this.unreachableSince = undefined;
    this.log.info({ address: this.opts.address, ...(downMs !== undefined && { after_secs: Math.round(downMs / 1000) }) }, 'connected to the Template Provider');
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.backoff;
    // Capped low: every second without templates is stale work for the whole pool.
    this.backoff = Math.min(this.backoff * 2, this.opts.backoffMaxMs ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.connectOnce().catch((e: unknown) => {
        // One warning per outage; the attempts after it at debug.
        if (this.unreachableSince === undefined) {
          this.unreachableSince = Date.now();
          this.log.warn({ address: this.opts.address, err: (e as Error).message }, 'Template Provider unreachable; retrying');
        } else this.log.debug({ err: (e as Error).message, retryInMs: this.backoff }, 'Template Provider still unreachable');
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  /** TDP has no answer to SubmitSolution: the outcome is unknown here (undefined). */
  async submitSolution(m: Messages['SubmitSolution']): Promise<SubmitOutcome | undefined> {
    if (this.conn === undefined || !this.conn.isOpen) throw new TdpError('no connection to the Template Provider to submit the block to');
    await this.conn.send('SubmitSolution', m);
    return undefined;
  }

  /** The template's transactions (a JD client declaring it needs them). */
  requestTransactionData(templateId: bigint): Promise<TransactionDataAnswer> {
    const conn = this.conn;
    if (conn === undefined || !conn.isOpen) return Promise.reject(new TdpError('no connection to the Template Provider'));
    return new Promise((resolve, reject) => {
      const waiters = this.pendingTx.get(templateId) ?? [];
      const waiter = { resolve, reject };
      waiters.push(waiter);
      this.pendingTx.set(templateId, waiters);
      conn.send('RequestTransactionData', { templateId }).catch((e: unknown) => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(e as Error);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.conn?.close('client shutting down');
  }
}
