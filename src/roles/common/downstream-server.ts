/**
 * The one way a role serves Sv2 to its downstreams (the pool, the template provider, the proxy, the
 * Job Declarator): listeners, a peer per connection, the setup deadline, the SetupConnection gate
 * (protocol and version checked here, flags by the role), refusals, and the error policy. A role
 * writes only what it does with a set-up peer's messages; whatever it throws carries its action
 * (`RoleError`), and anything else is a bug that costs that one peer its connection.
 */
import type { Logger } from 'pino';
import type { AnyMessage, MessageName, Messages } from '../../messages/registry.js';
import { PROTOCOL_VERSION, SetupConnectionErrorCode, type ProtocolId } from '../../messages/common.js';
import type { CloseInfo, Connection } from '../../net/connection.js';
import { REFUSED_REASONS, Sv2Server, type RefusedReason } from '../../net/server.js';
import type { ServerIdentity } from '../../noise/server-identity.js';
import { splitHostPort } from './config.js';
import type { ListenLimits } from './limits.js';
import { MessagePacer, OpenRate } from './message-pacing.js';
import { peerFault, RoleError } from './role-error.js';

export type SetupConnection = Messages['SetupConnection'];

/** A connected downstream; `state` is the role's own, there once SetupConnection was accepted. */
export interface Downstream<S> {
  readonly id: number;
  readonly conn: Connection;
  readonly connectedAt: number;
  /** `host:port` of the peer */
  readonly peer: string;
  setup: SetupConnection | null;
  state: S | undefined;
}

/** A downstream past SetupConnection. */
export type SetUpDownstream<S> = Downstream<S> & { setup: SetupConnection; state: S };

/** Refuses a SetupConnection with one of the spec's error codes; the peer is told, then cut off. */
export class SetupRefused extends RoleError {
  constructor(
    readonly errorCode: string,
    /** the offending flags, echoed in SetupConnection.Error */
    readonly flags = 0,
  ) {
    super('SV2_ERR_SETUP_REFUSED', `SetupConnection refused: ${errorCode}`, 'disconnect');
  }
}

/** What a role plugs into the server. */
export interface DownstreamHandler<S> {
  /** The subprotocol this listener serves; any other is refused. */
  readonly protocol: ProtocolId;
  /** The role's checks of a setup (its flags): the peer's state and the flags to answer with, or throw SetupRefused. */
  setUp(peer: Downstream<S>, setup: SetupConnection): { state: S; flags: number };
  /** A message from a set-up peer. Throw a RoleError to say what to do about it. */
  onMessage(peer: SetUpDownstream<S>, m: AnyMessage): void;
  /** The connection is gone (for whatever reason); called once, set up or not. */
  onClose(peer: Downstream<S>, info: CloseInfo): void;
  /** A RoleError with action `shutdown`: the role cannot go on. */
  onFatal?(err: RoleError): void;
}

export interface ListenerConfig {
  /** host:port; port 0 picks a free one. */
  address: string;
  /** Noise with this identity; plaintext without one. */
  identity: ServerIdentity | undefined;
}

export interface DownstreamServerOptions {
  listeners: ListenerConfig[];
  maxFramePayload: number;
  /** Admission and per-connection limits (see `limits.ts`); none when absent. */
  limits?: ListenLimits;
  /** A peer that has not sent SetupConnection by then is dropped (default 10 s). */
  setupTimeoutMs?: number;
  log: Logger;
  now?: () => number;
}

export class DownstreamServer<S> {
  private readonly peers = new Map<number, Downstream<S>>();
  private readonly servers: Sv2Server[] = [];
  private readonly now: () => number;
  private nextId = 1;
  /** Channel opens per second, by address: kept past its last connection until full again, so reconnecting does not refill it. */
  private readonly openRates = new Map<string, OpenRate>();
  private sweepRatesAt = 1024;

  private constructor(
    private readonly opts: DownstreamServerOptions,
    private readonly handler: DownstreamHandler<S>,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Binds every listener; on a failure the ones already bound are closed again. */
  static async listen<S>(opts: DownstreamServerOptions, handler: DownstreamHandler<S>): Promise<DownstreamServer<S>> {
    const server = new DownstreamServer(opts, handler);
    try {
      for (const l of opts.listeners) server.servers.push(await server.bind(l));
    } catch (e) {
      await server.close('listener failed');
      throw e;
    }
    return server;
  }

  /** The port of each listener, in the order configured (useful with port 0). */
  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  /** Connections refused by the listeners' admission limits, by reason, and those held now. */
  refusals(): { byReason: Record<RefusedReason, number>; held: number } {
    const byReason = Object.fromEntries(REFUSED_REASONS.map((r) => [r, 0])) as Record<RefusedReason, number>;
    let held = 0;
    for (const s of this.servers) {
      for (const r of REFUSED_REASONS) byReason[r] += s.refused[r];
      held += s.refusedHeld;
    }
    return { byReason, held };
  }

  /** Connected peers, set up or not. */
  get size(): number {
    return this.peers.size;
  }

  get(id: number): Downstream<S> | undefined {
    return this.peers.get(id);
  }

  all(): IterableIterator<Downstream<S>> {
    return this.peers.values();
  }

  /** Sends if the peer is still there; a failed send is the close handler's business. */
  send<N extends MessageName>(peer: Downstream<S>, name: N, message: Messages[N]): void {
    if (!peer.conn.isOpen) return;
    peer.conn.send(name, message).catch(() => {});
  }

  /** Stops listening and closes every connection. */
  async close(reason: string): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close(reason)));
  }

  private async bind(l: ListenerConfig): Promise<Sv2Server> {
    const { host, port } = splitHostPort(l.address);
    const { channelOpensPerSecond: _pacing, ...listenLimits } = this.opts.limits ?? {};
    const common = { host, port, maxFramePayload: this.opts.maxFramePayload, ...listenLimits };
    const server = await Sv2Server.listen(l.identity ? { ...common, identity: l.identity } : { ...common, plaintext: true });
    server.on('connection', (conn) => this.accept(conn));
    server.on('handshakeError', (err, peer) => this.opts.log.info({ peer: `${peer.address}:${peer.port}`, err: err.message }, 'handshake failed'));
    // Debug only: under a flood, a line per refused peer would be the attack's amplifier.
    server.on('refused', (reason, peer) => this.opts.log.debug({ peer: `${peer.address}:${peer.port}`, reason }, 'peer refused'));
    return server;
  }

  private accept(conn: Connection): void {
    const peer: Downstream<S> = { id: this.nextId++, conn, connectedAt: this.now(), peer: `${conn.remoteAddress}:${conn.remotePort}`, setup: null, state: undefined };
    this.peers.set(peer.id, peer);
    const setupTimer = setTimeout(() => {
      if (peer.setup === null) void conn.close('no SetupConnection in time');
    }, this.opts.setupTimeoutMs ?? 10_000);
    setupTimer.unref();
    const rate = this.openRateFor(conn.remoteAddress);
    const pacer = new MessagePacer(
      (m) => {
        if (!conn.isOpen) return;
        try {
          if (peer.setup === null) this.setUp(peer, m);
          else this.handler.onMessage(peer as SetUpDownstream<S>, m);
        } catch (e) {
          this.onError(peer, m.name, e);
        }
      },
      (waiting) => this.onError(peer, 'OpenStandardMiningChannel', peerFault('SV2_ERR_MESSAGE_FLOOD', `${waiting} messages waiting to be handled`)),
      rate === undefined ? {} : { rate },
    );
    conn.on('message', (m) => pacer.receive(m));
    conn.on('unknownMessage', (f) => this.opts.log.debug({ client: peer.id, ext: f.header.extensionType, type: f.header.msgType }, 'unknown message dropped'));
    conn.on('close', (info) => {
      pacer.stop();
      if (rate !== undefined) rate.users--;
      clearTimeout(setupTimer);
      this.peers.delete(peer.id);
      this.handler.onClose(peer, info);
      this.opts.log.info({ client: peer.id, by: info.by, reason: info.reason }, 'downstream closed');
    });
  }

  private openRateFor(address: string): OpenRate | undefined {
    const perSecond = this.opts.limits?.channelOpensPerSecond;
    if (perSecond === undefined) return undefined;
    let rate = this.openRates.get(address);
    if (rate === undefined) {
      // Addresses with no connection and a full bucket are forgotten: bounded by the connections.
      // (a sweep whenever the map has doubled: amortized O(1) per connection).
      if (this.openRates.size >= this.sweepRatesAt) {
        for (const [a, r] of this.openRates) if (r.users === 0 && r.full) this.openRates.delete(a);
        this.sweepRatesAt = Math.max(1024, 2 * this.openRates.size);
      }
      rate = new OpenRate(perSecond);
      this.openRates.set(address, rate);
    }
    rate.users++;
    return rate;
  }

  private setUp(peer: Downstream<S>, m: AnyMessage): void {
    if (m.name !== 'SetupConnection') throw new RoleError('SV2_ERR_SETUP_EXPECTED', `expected SetupConnection first, got ${m.name}`, 'disconnect');
    const s = m.message;
    if (s.protocol !== this.handler.protocol) throw new SetupRefused(SetupConnectionErrorCode.UnsupportedProtocol);
    if (s.minVersion > PROTOCOL_VERSION || s.maxVersion < PROTOCOL_VERSION) throw new SetupRefused(SetupConnectionErrorCode.ProtocolVersionMismatch);
    const { state, flags } = this.handler.setUp(peer, s);
    peer.state = state;
    peer.setup = s;
    this.send(peer, 'SetupConnectionSuccess', { usedVersion: PROTOCOL_VERSION, flags });
    this.opts.log.info(
      { client: peer.id, peer: peer.peer, protocol: s.protocol, vendor: s.vendor, hardware: s.hardwareVersion, firmware: s.firmware, device: s.deviceId, flags },
      'downstream set up',
    );
  }

  /** Carries out the action the error carries; a non-RoleError is our bug and costs only this peer. */
  private onError(peer: Downstream<S>, msg: MessageName, err: unknown): void {
    const message = (err as Error).message;
    if (err instanceof SetupRefused) {
      this.opts.log.info({ client: peer.id, peer: peer.peer, errorCode: err.errorCode }, 'SetupConnection refused');
      this.send(peer, 'SetupConnectionError', { flags: err.flags, errorCode: err.errorCode });
      void peer.conn.close(message);
      return;
    }
    if (!(err instanceof RoleError)) {
      this.opts.log.error({ client: peer.id, msg, err: message, stack: (err as Error).stack }, 'bug handling a downstream message; dropping that downstream');
      void peer.conn.close(`error handling ${msg}`);
      return;
    }
    switch (err.action) {
      case 'log':
        this.opts.log.warn({ client: peer.id, msg, code: err.code, err: message }, 'downstream message refused');
        return;
      case 'shutdown':
        this.opts.log.fatal({ client: peer.id, msg, code: err.code, err: message }, 'cannot go on');
        void peer.conn.close(message);
        this.handler.onFatal?.(err);
        return;
      default: {
        // A peer fault: its address waits before it may come back (a flooder cannot just reconnect).
        const waitMs = Math.max(0, ...this.servers.map((s) => s.penalize(peer.conn.remoteAddress)));
        this.opts.log.warn({ client: peer.id, msg, code: err.code, err: message, ...(waitMs > 0 && { addressWaitsSecs: waitMs / 1000 }) }, 'dropping downstream');
        void peer.conn.close(message);
      }
    }
  }
}
