/**
 * The Sv1 (Stratum V1) downstream transport: a TCP server of newline-delimited JSON-RPC for
 * mining firmware. Each connection is framed (16 KiB line cap), parsed into typed messages and
 * guarded by limits so one broken or hostile miner never costs the others: too many bad lines
 * within a window, a line over the cap, a peer that stops reading while its write buffer grows
 * past a cap, and a peer that sends nothing for too long are all cut off with a reason.
 * Protocol decisions (what to answer) belong to the role that owns the connection.
 */
import { ListenError } from './errors.js';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { AddressLimit } from './address-limit.js';
import { RefusalHold } from './refusal-hold.js';
import type { AddressInfo, Server, Socket } from 'node:net';
import { BadLineBudget, LineSplitter, SV1_ERROR, Sv1ProtocolError, buildError, parseClientLine } from '../sv1/index.js';
import type { Sv1ClientMessage } from '../sv1/index.js';

export interface Sv1ServerLimits {
  /** longest line accepted; a longer one closes the connection at once */
  maxLineBytes: number;
  /** bad lines (not JSON, wrong params) tolerated among the last `badLineWindow` lines */
  maxBadLines: number;
  badLineWindow: number;
  /** bytes queued for a peer that is not reading; beyond this the peer is cut off */
  maxWriteBufferBytes: number;
  /** ms without a single line from the peer before it is cut off; 0 disables */
  idleTimeoutMs: number;
  /** simultaneous connections; more are refused at accept time; 0 is unlimited */
  maxConnections: number;
  /** simultaneous connections from one address (a farm behind one NAT is one address); 0 is unlimited */
  maxConnectionsPerIp: number;
  /** a refused socket is held this long, unread, before it is closed (RefusalHold); 0 closes it at once */
  refusedHoldMs: number;
  /** refused sockets held at once; more are closed at once */
  maxRefusedHeld: number;
}

export const DEFAULT_SV1_SERVER_LIMITS: Sv1ServerLimits = {
  maxLineBytes: 16 * 1024,
  maxBadLines: 10,
  badLineWindow: 100,
  maxWriteBufferBytes: 1024 * 1024,
  idleTimeoutMs: 15 * 60_000,
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  refusedHoldMs: 0,
  maxRefusedHeld: 1024,
};

/** Why a connection ended; `peer` means the miner closed it or the network failed. */
export type Sv1CloseReason = 'peer' | 'line-too-long' | 'bad-lines' | 'write-buffer-full' | 'idle' | 'server-closed' | 'kicked';

/** What the owner of a connection reacts to. Set with {@link Sv1DownstreamConnection.setHandler} in `onConnection`. */
export interface Sv1DownstreamHandler {
  onMessage(message: Sv1ClientMessage): void;
  /** a line that failed to parse (already answered when it carried an id) */
  onBadLine?(error: Sv1ProtocolError): void;
  onClose(reason: Sv1CloseReason, detail: string): void;
}

export interface Sv1ServerOptions {
  host: string;
  port: number;
  limits?: Partial<Sv1ServerLimits>;
  /** a new miner; set its handler before returning */
  onConnection(connection: Sv1DownstreamConnection): void;
}

const BYTES_PER_TURN = 8192;

const NO_HANDLER: Sv1DownstreamHandler = { onMessage: () => undefined, onClose: () => undefined };

/** One miner's connection. `send` queues a line; it never throws once the peer is gone. */
export class Sv1DownstreamConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connectedAt: number;
  /** Date.now() of the last line received */
  lastLineAt: number;
  bytesIn = 0;
  bytesOut = 0;
  private handler: Sv1DownstreamHandler = NO_HANDLER;
  private readonly splitter: LineSplitter;
  private readonly budget: BadLineBudget;
  private closed = false;

  constructor(
    id: number,
    private readonly socket: Socket,
    private readonly limits: Sv1ServerLimits,
    private readonly onGone: (connection: Sv1DownstreamConnection, reason: Sv1CloseReason, detail: string) => void,
  ) {
    this.id = id;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.connectedAt = Date.now();
    this.lastLineAt = this.connectedAt;
    this.splitter = new LineSplitter({ maxLineBytes: limits.maxLineBytes });
    this.budget = new BadLineBudget({ maxBadLines: limits.maxBadLines, windowLines: limits.badLineWindow });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows with the outcome
    socket.on('close', () => this.finish('peer', 'connection closed by the miner'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes written but not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  setHandler(handler: Sv1DownstreamHandler): void {
    this.handler = handler;
  }

  /** Queues one line (already ending in \n). Returns false when the connection is gone or was cut for it. */
  send(line: string): boolean {
    if (this.closed) return false;
    this.bytesOut += line.length;
    this.socket.write(line);
    if (this.socket.writableLength > this.limits.maxWriteBufferBytes) {
      this.close('write-buffer-full', `over ${this.limits.maxWriteBufferBytes} bytes queued: the miner is not reading`);
      return false;
    }
    return true;
  }

  /** Drops the connection at once. */
  close(reason: Sv1CloseReason, detail: string): void {
    if (this.closed) return;
    this.finish(reason, detail);
    this.socket.destroy();
  }

  private finish(reason: Sv1CloseReason, detail: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this, reason, detail);
    this.handler.onClose(reason, detail);
  }

  /**
   * Fairness: at most BYTES_PER_TURN of a miner's data per event-loop turn; the rest of a bigger
   * chunk waits for the next turn with reading paused, so lines stay in order.
   */
  private onData(chunk: Buffer): void {
    if (chunk.length <= BYTES_PER_TURN) {
      this.take(chunk);
      return;
    }
    this.socket.pause();
    const next = (from: number): void => {
      if (this.closed) return;
      this.take(chunk.subarray(from, from + BYTES_PER_TURN));
      if (from + BYTES_PER_TURN < chunk.length) setImmediate(() => next(from + BYTES_PER_TURN));
      else if (!this.closed) this.socket.resume();
    };
    next(0);
  }

  private take(chunk: Buffer): void {
    if (this.closed) return;
    this.bytesIn += chunk.length;
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (error) {
      if (!(error instanceof Sv1ProtocolError)) throw error;
      this.close('line-too-long', error.message);
      return;
    }
    if (lines.length > 0) this.lastLineAt = Date.now();
    for (const line of lines) {
      if (this.closed) return;
      let message: Sv1ClientMessage;
      try {
        message = parseClientLine(line);
      } catch (error) {
        if (!(error instanceof Sv1ProtocolError)) throw error;
        this.onBadLine(error);
        continue;
      }
      this.budget.record(false);
      this.handler.onMessage(message);
    }
  }

  private onBadLine(error: Sv1ProtocolError): void {
    if (error.id !== undefined && error.id !== null) this.send(buildError(error.id, SV1_ERROR.OTHER, error.message));
    this.handler.onBadLine?.(error);
    if (this.budget.record(true)) {
      this.close('bad-lines', `${this.budget.badLines} bad lines among the last ${this.budget.windowLines}; last: ${error.message}`);
    }
  }
}

export interface Sv1ServerEvents {
  /** a connection ended, and why (after its handler's onClose) */
  disconnect: [connection: Sv1DownstreamConnection, reason: Sv1CloseReason, detail: string];
}

/** A listening Sv1 server. */
export class Sv1Server {
  readonly limits: Sv1ServerLimits;
  readonly events = new EventEmitter<Sv1ServerEvents>();
  /** connections ended so far, by reason */
  readonly disconnects: Partial<Record<Sv1CloseReason, number>> = {};
  private readonly server: Server;
  private readonly connections = new Set<Sv1DownstreamConnection>();
  private nextId = 1;
  private sweeper: NodeJS.Timeout | undefined;
  /** connections refused because `maxConnections` or `maxConnectionsPerIp` was reached */
  refused = 0;
  private readonly perIp: AddressLimit;
  private readonly refusals: RefusalHold;

  private constructor(private readonly options: Sv1ServerOptions) {
    this.limits = { ...DEFAULT_SV1_SERVER_LIMITS, ...options.limits };
    this.perIp = new AddressLimit(this.limits.maxConnectionsPerIp);
    this.refusals = new RefusalHold(this.limits.refusedHoldMs, this.limits.maxRefusedHeld);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', () => undefined);
  }

  /** Starts listening; resolves once bound (port 0 picks a free port). */
  static async listen(options: Sv1ServerOptions): Promise<Sv1Server> {
    const s = new Sv1Server(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', (e) => reject(ListenError.from(e, options.host, options.port)));
      s.server.listen({ host: options.host, port: options.port, backlog: 4096 }, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    if (s.limits.idleTimeoutMs > 0) {
      // one timer for all connections rather than one per socket
      const every = Math.max(50, Math.min(5_000, Math.floor(s.limits.idleTimeoutMs / 4)));
      s.sweeper = setInterval(() => s.sweepIdle(), every);
      s.sweeper.unref();
    }
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Refused sockets held open (unread) right now, waiting to be closed. */
  get refusedHeld(): number {
    return this.refusals.size;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting and drops every connection (each reports `server-closed`). */
  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of [...this.connections]) c.close('server-closed', 'the server is shutting down');
    this.refusals.closeAll();
    await closing;
  }

  private accept(socket: Socket): void {
    const full = this.limits.maxConnections > 0 && this.connections.size >= this.limits.maxConnections;
    if (full || !this.perIp.admit(socket)) {
      this.refused++;
      this.refusals.refuse(socket);
      return;
    }
    const connection = new Sv1DownstreamConnection(this.nextId++, socket, this.limits, (c, reason, detail) => {
      this.connections.delete(c);
      this.disconnects[reason] = (this.disconnects[reason] ?? 0) + 1;
      // after the owner heard of it: observers see a consistent state
      queueMicrotask(() => this.events.emit('disconnect', c, reason, detail));
    });
    this.connections.add(connection);
    this.options.onConnection(connection);
  }

  private sweepIdle(): void {
    const deadline = Date.now() - this.limits.idleTimeoutMs;
    for (const c of this.connections) {
      if (c.lastLineAt < deadline) c.close('idle', `no line for ${Math.round(this.limits.idleTimeoutMs / 1000)} s`);
    }
  }
}
