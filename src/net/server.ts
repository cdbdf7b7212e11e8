/** A listening Sv2 endpoint: accepts TCP connections, runs the responder handshake, emits Connections. */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { NoiseResponder } from '../noise/handshake.js';
import { EphemeralKeyPool } from '../noise/ephemeral.js';
import type { ServerIdentity } from '../noise/server-identity.js';
import { AddressLimit } from './address-limit.js';
import { HandshakeRate } from './handshake-rate.js';
import { PenaltyBox } from './penalty-box.js';
import { RefusalHold } from './refusal-hold.js';
import { Connection } from './connection.js';
import { ConnectionClosedError, ListenError } from './errors.js';
import { armHandshakeTimer, respond, type HandshakeOutcome } from './handshake.js';
import { resolveOptions, type ConnectionOptions, type ResolvedConnectionOptions } from './options.js';

interface CommonServerOptions extends ConnectionOptions {
  /** address to listen on (default 127.0.0.1; use 0.0.0.0 or :: to accept remote peers) */
  host?: string;
  /** port to listen on; 0 picks a free one (see `port` once listening) */
  port: number;
  /** refuse TCP connections beyond this many open ones */
  maxConnections?: number;
  /** refuse a peer address's connections beyond this many at once, handshaking or open (default: no limit) */
  maxConnectionsPerIp?: number;
  /**
   * handshakes started per second, with as many in one burst (default: no limit). A peer beyond it
   * is dropped before any cryptography, so a flood of handshakes cannot take the CPU that
   * connected miners need.
   */
  maxHandshakesPerSecond?: number;
  /** handshakes started per second from one peer address, with as many in one burst (default: no limit) */
  maxHandshakesPerSecondPerIp?: number;
  /** longest wait imposed on an address cut off for abuse (see `penalize`; default 0: none) */
  abusePenaltyMaxMs?: number;
  /** a refused socket is held this long, unread, before it is closed (default 0: closed at once); see RefusalHold */
  refusedHoldMs?: number;
  /** refused sockets held at once; more are closed at once (default 1 024) */
  maxRefusedHeld?: number;
}

export const REFUSED_REASONS = ['per-ip-limit', 'handshake-rate', 'handshake-rate-per-ip', 'penalized'] as const;
export type RefusedReason = (typeof REFUSED_REASONS)[number];

export type ServerOptions =
  | (CommonServerOptions & {
      /** the static key and certificate presented to initiators */
      identity: ServerIdentity;
      plaintext?: false;
      /** ephemeral keys kept ready for arriving peers (default 8) */
      ephemeralPoolSize?: number;
    })
  | (CommonServerOptions & {
      /** no encryption at all: only for trusted local links, and only when asked for */
      plaintext: true;
    });

export interface PeerAddress {
  address: string;
  port: number;
}

export interface ServerEvents {
  connection: [connection: Connection];
  /** a peer that never became a connection (handshake failed or timed out); the server carries on */
  handshakeError: [error: Error, peer: PeerAddress];
  /** a peer dropped at once by an admission limit, before any handshake work */
  refused: [reason: RefusedReason, peer: PeerAddress];
  close: [];
}

export class Sv2Server extends EventEmitter<ServerEvents> {
  private readonly connections = new Set<Connection>();
  private readonly handshaking = new Set<Socket>();
  private readonly pool: EphemeralKeyPool | undefined;
  private refillScheduled = false;
  private readonly options: ResolvedConnectionOptions;
  /** open or handshaking sockets per peer address */
  private readonly perIp: AddressLimit;
  private readonly handshakeRate: HandshakeRate;
  private readonly penalties: PenaltyBox;
  private readonly refusals: RefusalHold;
  /** Connections refused so far, by reason (for the roles' metrics). */
  readonly refused: Record<RefusedReason, number> = { 'per-ip-limit': 0, 'handshake-rate': 0, 'handshake-rate-per-ip': 0, penalized: 0 };

  private constructor(
    private readonly server: Server,
    private readonly config: ServerOptions,
  ) {
    super();
    this.options = resolveOptions(config);
    this.handshakeRate = new HandshakeRate(config.maxHandshakesPerSecond, config.maxHandshakesPerSecondPerIp, performance.now());
    this.perIp = new AddressLimit(config.maxConnectionsPerIp ?? 0);
    this.penalties = new PenaltyBox(config.abusePenaltyMaxMs ?? 0);
    this.refusals = new RefusalHold(config.refusedHoldMs ?? 0, config.maxRefusedHeld ?? 1024);
    if (!config.plaintext) {
      this.pool = new EphemeralKeyPool(config.ephemeralPoolSize ?? 8);
      this.pool.refill();
    }
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Starts listening; resolves once the port is bound. */
  static async listen(config: ServerOptions): Promise<Sv2Server> {
    const server = createServer({ pauseOnConnect: true });
    if (config.maxConnections !== undefined) server.maxConnections = config.maxConnections;
    const sv2 = new Sv2Server(server, config);
    const host = config.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(ListenError.from(e, host, config.port)));
      server.listen(config.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return sv2;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get host(): string {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.address : '';
  }

  get encrypted(): boolean {
    return !this.config.plaintext;
  }

  /** Refused sockets held open (unread) right now, waiting to be closed. */
  get refusedHeld(): number {
    return this.refusals.size;
  }

  /** Open connections (handshake done). */
  get openConnections(): ReadonlySet<Connection> {
    return this.connections;
  }

  /** Stops accepting, closes every connection with `reason`, and resolves when all are gone. */
  async close(reason = 'server shutting down'): Promise<void> {
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.handshaking) socket.destroy();
    this.refusals.closeAll();
    await Promise.all([...this.connections].map((c) => c.close(reason)));
    await closing;
    this.emit('close');
  }

  /**
   * A peer at `address` was cut off for abuse: new connections from it are refused, before any
   * cryptography, for a wait that doubles with each cut (returned, ms).
   */
  penalize(address: string): number {
    return this.penalties.strike(address, performance.now());
  }

  private accept(socket: Socket): void {
    const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    if (this.penalties.waiting(peer.address, performance.now())) {
      this.refusals.refuse(socket);
      this.refused.penalized++;
      this.emit('refused', 'penalized', peer);
      return;
    }
    const rate = this.perIp.admit(socket) ? this.handshakeRate.admit(peer.address, performance.now()) : undefined;
    const refused: RefusedReason | undefined = rate === undefined ? 'per-ip-limit' : rate === 'per-ip' ? 'handshake-rate-per-ip' : rate === 'total' ? 'handshake-rate' : undefined;
    if (refused !== undefined) {
      this.refusals.refuse(socket);
      this.refused[refused]++;
      this.emit('refused', refused, peer);
      return;
    }
    this.handshaking.add(socket);
    const cancelTimer = armHandshakeTimer(socket, this.options.handshakeTimeoutMs);
    const config = this.config;
    let handshake: Promise<HandshakeOutcome>;
    if (config.plaintext) {
      handshake = Promise.resolve({ session: undefined, leftover: new Uint8Array(0) });
    } else {
      const pool = this.pool!;
      handshake = respond(socket, () => new NoiseResponder(config.identity, { ephemeral: pool.take() }), this.options);
    }
    handshake.then(
      (outcome) => {
        cancelTimer();
        this.handshaking.delete(socket);
        this.scheduleRefill();
        if (socket.destroyed) {
          this.emit('handshakeError', new ConnectionClosedError('peer left right after the handshake'), peer);
          return;
        }
        const connection = new Connection(socket, outcome, this.options);
        this.connections.add(connection);
        connection.once('close', () => this.connections.delete(connection));
        this.emit('connection', connection);
      },
      (error: Error) => {
        cancelTimer();
        this.handshaking.delete(socket);
        this.scheduleRefill();
        socket.destroy();
        this.emit('handshakeError', error, peer);
      },
    );
  }

  /** Makes the next ephemeral key after the current I/O, off the handshake's path. */
  private scheduleRefill(): void {
    if (!this.pool || this.refillScheduled) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      if (this.pool!.refill(1) > 0 && this.pool!.size < this.pool!.capacity) this.scheduleRefill();
    });
  }
}
