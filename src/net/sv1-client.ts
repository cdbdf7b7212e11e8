/**
 * The client end of an Sv1 (line-delimited JSON) TCP connection: lines in as events, lines out
 * with a bound on what may wait unsent, one 'close' event that says why. The protocol itself is
 * `Sv1Client`'s job (src/sv1); this only moves lines.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { LineSplitter } from '../sv1/line-splitter.js';
import { ConnectFailedError, ConnectionClosedError, ConnectionError, ProtocolError, SendBufferOverflowError } from './errors.js';
import type { CloseInfo } from './connection.js';

export interface Sv1ConnectOptions {
  host: string;
  port: number;
  /** give up connecting after this long (default 10 s) */
  connectTimeoutMs?: number;
  /** longest line accepted from the server (default 16 KiB) */
  maxLineBytes?: number;
  /** close when more than this many bytes wait unsent (default 1 MiB) */
  maxSendBuffer?: number;
}

export interface Sv1ConnectionEvents {
  line: [line: string];
  close: [info: CloseInfo];
}

export class Sv1Connection extends EventEmitter<Sv1ConnectionEvents> {
  readonly closed: Promise<CloseInfo>;
  private closeInfo: CloseInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  private readonly splitter: LineSplitter;
  private readonly maxSendBuffer: number;

  private constructor(
    private readonly socket: Socket,
    options: Sv1ConnectOptions,
  ) {
    super();
    this.splitter = new LineSplitter({ maxLineBytes: options.maxLineBytes });
    this.maxSendBuffer = options.maxSendBuffer ?? 1 << 20;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      const last = this.closeInfo ? null : this.splitter.flush();
      if (last !== null) this.emitLine(last);
      this.setClosed({ by: 'peer', reason: 'peer closed the connection' });
      socket.destroy();
    });
    socket.on('error', (err) => this.fail(new ConnectionClosedError(`connection lost: ${err.message}`, { cause: err })));
    // Every way out ends in the socket's 'close': the one place 'close' is emitted.
    socket.on('close', () => {
      this.setClosed({ by: 'peer', reason: 'connection closed' });
      this.resolveClosed(this.closeInfo!);
      this.emit('close', this.closeInfo!);
    });
  }

  static connect(options: Sv1ConnectOptions): Promise<Sv1Connection> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectFailedError(`cannot connect to ${options.host}:${options.port}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ConnectFailedError(`cannot connect to ${options.host}:${options.port}: ${err.message}`, { cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Sv1Connection(socket, options));
      });
    });
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined;
  }

  /** Writes lines (each ending in \n, as the sv1 builders make them). */
  send(...lines: string[]): void {
    if (this.closeInfo) throw new ConnectionClosedError(`connection is closed (${this.closeInfo.reason})`);
    for (const line of lines) this.socket.write(line);
    if (this.socket.writableLength > this.maxSendBuffer) this.fail(new SendBufferOverflowError(this.socket.writableLength, this.maxSendBuffer));
  }

  /** Bytes written but not yet sent. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  close(reason = 'closed by this side'): Promise<CloseInfo> {
    if (!this.closeInfo) {
      this.setClosed({ by: 'local', reason });
      this.socket.end();
      const timer = setTimeout(() => this.socket.destroy(), 2_000);
      timer.unref();
      this.socket.once('close', () => clearTimeout(timer));
    }
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    if (this.closeInfo) return;
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      this.fail(new ProtocolError(`invalid Sv1 stream: ${(err as Error).message}`, { cause: err }));
      return;
    }
    for (const line of lines) {
      if (this.closeInfo) return;
      this.emitLine(line);
    }
  }

  private emitLine(line: string): void {
    try {
      this.emit('line', line);
    } catch (err) {
      // A 'line' handler threw: this connection cannot go on in a known state.
      this.fail(new ConnectionError(`line handler failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }

  private fail(error: Error): void {
    if (this.closeInfo) return;
    this.setClosed({ by: 'error', reason: error.message, error });
    this.socket.destroy();
  }

  private setClosed(info: CloseInfo): void {
    if (!this.closeInfo) this.closeInfo = info;
  }
}
