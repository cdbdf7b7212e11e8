/**
 * An established Sv2 connection over TCP, the same object on both sides: typed messages in (events
 * or an async iterator), typed messages out (`send`, which waits when the socket is backed up),
 * limits enforced per connection, and one 'close' event that says why.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Sv2DecodeError, type Tlv } from '../codec/index.js';
import { FrameDecoder, HEADER_SIZE, readHeader, type FrameHeader } from '../framing/index.js';
import { decodeFrame, decodePayload, encodeFrame, type AnyMessage, type MessageName, type Messages } from '../messages/index.js';
import type { Certificate } from '../noise/certificate.js';
import { FrameTooLargeError, NoiseError } from '../noise/errors.js';
import { encryptedFrameLength, type NoiseSession } from '../noise/session.js';
import { ConnectionClosedError, ConnectionError, FrameTimeoutError, IdleTimeoutError, ProtocolError, SendBufferOverflowError } from './errors.js';
import type { HandshakeOutcome } from './handshake.js';
import type { ResolvedConnectionOptions } from './options.js';

export interface CloseInfo {
  /** who ended it: this side (`close()`), the peer (it hung up), or an error */
  by: 'local' | 'peer' | 'error';
  reason: string;
  error?: Error;
}

export interface UnknownFrame {
  header: FrameHeader;
  payload: Uint8Array;
}

export interface ConnectionEvents {
  message: [message: AnyMessage];
  /** a frame of a message type this project does not know (e.g. an unnegotiated extension); the connection carries on */
  unknownMessage: [frame: UnknownFrame];
  close: [info: CloseInfo];
  /** EventEmitter's own: a listener is being added */
  newListener: [event: string | symbol, listener: (...args: unknown[]) => void];
}

export interface ConnectionStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
}

const RESOLVED = Promise.resolve();
/** A tick's first write buffer: a few small frames fit without growing it. */
const PENDING_MIN = 1024;

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** false on an explicit plaintext link */
  readonly encrypted: boolean;
  /** client side: the server's static x-only key and certificate from the handshake */
  readonly serverStaticKey: Uint8Array | undefined;
  readonly certificate: Certificate | undefined;
  /** resolves once, when the connection is over; never rejects */
  readonly closed: Promise<CloseInfo>;
  readonly stats: ConnectionStats = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 };

  private readonly session: NoiseSession | undefined;
  private readonly plain: FrameDecoder | undefined;
  private plainBuffered = 0; // plaintext bytes received but not yet part of a delivered frame
  private closeInfo: CloseInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  private drainWait: Promise<void> | undefined;
  /** Wire bytes of this tick's frames, written in one go at the tick's end (`writePending`). */
  private pending: Buffer | undefined;
  private pendingLength = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastReceived = 0;
  private frameTimer: NodeJS.Timeout | undefined;
  /** performance.now() when the frame still incomplete began arriving; undefined between frames */
  private partialSince: number | undefined;
  private emittedClose = false;
  // Messages not yet taken: kept while nobody listens, and for the async iterator. It outlives an
  // iterator, so a later one resumes where the last stopped.
  private readonly queue: AnyMessage[] = [];
  private iterating = false;
  private waiter: ((result: IteratorResult<AnyMessage>) => void) | undefined;
  private waiterReject: ((err: Error) => void) | undefined;
  private pausedForQueue = false;
  /** A received chunk is being taken a slice per turn: reading stays paused until it is done. */
  private slicing = false;

  /** @internal Built by Sv2Server and connect() once the handshake is done. */
  constructor(
    private readonly socket: Socket,
    outcome: HandshakeOutcome,
    private readonly options: ResolvedConnectionOptions,
  ) {
    super();
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.session = outcome.session;
    this.encrypted = outcome.session !== undefined;
    this.plain = outcome.session ? undefined : new FrameDecoder({ maxPayload: options.maxFramePayload });
    this.serverStaticKey = outcome.serverStaticKey;
    this.certificate = outcome.certificate;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));

    socket.pause();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onPeerEnd());
    socket.on('error', (err) => this.fail(new ConnectionClosedError(`connection lost: ${err.message}`, { cause: err })));
    socket.on('close', () => this.onSocketClosed());
    socket.on('drain', () => (this.drainWait = undefined));
    // Messages that arrive before anyone listens wait in the queue; the first listener gets them first.
    this.on('newListener', (event) => {
      if (event === 'message' && !this.iterating && this.queue.length > 0) queueMicrotask(() => this.flushQueueToListeners());
    });
    queueMicrotask(() => this.startReading(outcome.leftover));
    if (options.idleTimeoutMs > 0) {
      this.lastReceived = performance.now();
      this.armIdleTimer(options.idleTimeoutMs);
    }
    if (socket.destroyed) queueMicrotask(() => this.onSocketClosed());
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined;
  }

  /** Bytes handed to the socket but not yet sent. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.pendingLength;
  }

  /**
   * Writes now the frames sent so far in this tick, rather than at its end (a fan-out serving
   * connections one by one); returns what the socket's write did (false: wait for 'drain').
   */
  writePending(): boolean {
    if (this.pendingLength === 0) return true;
    const wire = this.pending!.subarray(0, this.pendingLength);
    // The socket keeps the buffer until it is sent: the next frames go to a new one.
    this.pending = undefined;
    this.pendingLength = 0;
    return this.socket.destroyed || this.socket.write(wire);
  }

  private growPending(more: number): void {
    const old = this.pending;
    if (old === undefined || this.pendingLength === 0) process.nextTick(() => this.writePending());
    const size = Math.max(PENDING_MIN, (this.pendingLength + more) * 2);
    this.pending = Buffer.allocUnsafe(size);
    if (old !== undefined && this.pendingLength > 0) old.copy(this.pending, 0, 0, this.pendingLength);
  }

  /** Encodes and sends a message. Resolves at once unless the socket is backed up, then when it drains. */
  send<N extends MessageName>(name: N, message: Messages[N], tlvs?: readonly Tlv[]): Promise<void> {
    if (this.closeInfo) return Promise.reject(this.closedError());
    let frame: Uint8Array;
    try {
      frame = encodeFrame(name, message, tlvs);
    } catch (err) {
      return Promise.reject(err); // a value that cannot be encoded (Sv2EncodeError); the connection is unaffected
    }
    return this.sendFrame(frame);
  }

  /**
   * `send` for a caller that does not wait (a server's fan-out, batched acks): no promise is made
   * for a message that fits, and a failure is left to the 'close' event, which every such caller
   * handles anyway. Returns false when the message was not sent (closed, or cannot be encoded).
   */
  post<N extends MessageName>(name: N, message: Messages[N], tlvs?: readonly Tlv[]): boolean {
    if (this.closeInfo) return false;
    let sent: Promise<void>;
    try {
      sent = this.sendFrame(encodeFrame(name, message, tlvs));
    } catch {
      return false; // a value that cannot be encoded; the connection is unaffected
    }
    if (sent !== RESOLVED) sent.catch(() => undefined); // backed up or failed: 'close' tells the rest
    return this.isOpen;
  }

  /** Sends one whole plaintext frame (header ‖ payload), e.g. one being relayed unchanged. */
  sendFrame(plainFrame: Uint8Array): Promise<void> {
    if (this.closeInfo) return Promise.reject(this.closedError());
    if (plainFrame.length < HEADER_SIZE || plainFrame.length !== HEADER_SIZE + readHeader(plainFrame).msgLength) {
      return Promise.reject(new RangeError(`not a whole frame: ${plainFrame.length} bytes`));
    }
    // Frames sent in the same tick are encrypted into one buffer and leave in one write.
    const length = this.session ? encryptedFrameLength(plainFrame.length) : plainFrame.length;
    if (this.pending === undefined || this.pendingLength + length > this.pending.length) this.growPending(length);
    if (this.session) this.session.encryptFrameInto(plainFrame, this.pending!, this.pendingLength);
    else this.pending!.set(plainFrame, this.pendingLength);
    this.pendingLength += length;
    this.stats.framesOut++;
    this.stats.bytesOut += length;
    const buffered = this.socket.writableLength + this.pendingLength;
    if (buffered > this.options.maxSendBuffer) {
      const error = new SendBufferOverflowError(buffered, this.options.maxSendBuffer);
      this.fail(error);
      return Promise.reject(error);
    }
    // Past the high-water mark the frames go now, and the socket's answer says whether to wait for 'drain'.
    if (buffered < this.socket.writableHighWaterMark || this.writePending()) return RESOLVED;
    this.drainWait ??= new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(this.closedError());
      };
      this.socket.once('drain', onDrain);
      this.once('close', onClose);
    });
    return this.drainWait;
  }

  /**
   * Closes cleanly: sends already made are flushed, then the socket is shut down. Resolves (and
   * 'close' fires) once the socket is closed; a peer that does not acknowledge is dropped after
   * `closeTimeoutMs`.
   */
  close(reason = 'closed by this side'): Promise<CloseInfo> {
    if (!this.closeInfo) {
      this.setClosed({ by: 'local', reason });
      this.writePending();
      this.socket.end();
      this.socket.resume(); // read (and drop) until the peer's end arrives, even if we had paused
      const timer = setTimeout(() => this.socket.destroy(), this.options.closeTimeoutMs);
      timer.unref();
      this.socket.once('close', () => clearTimeout(timer));
    }
    return this.closed;
  }

  /**
   * Reads messages in order; ends when the connection closes cleanly and throws the error that closed
   * it otherwise. Leaving the loop early keeps the connection open: messages wait (up to
   * `maxQueuedMessages`, then reading pauses) for the next call. One iterator at a time.
   */
  messages(): AsyncIterableIterator<AnyMessage> {
    if (this.iterating) throw new ConnectionError('this connection is already being iterated');
    this.iterating = true;
    let active = true;
    const next = (): Promise<IteratorResult<AnyMessage>> => {
      const queue = this.queue;
      if (!active) return Promise.resolve({ value: undefined, done: true });
      if (queue.length > 0) {
        const value = queue.shift()!;
        this.maybeResume();
        return Promise.resolve({ value, done: false });
      }
      if (this.closeInfo) {
        active = false;
        this.iterating = false;
        return this.closeInfo.error ? Promise.reject(this.closeInfo.error) : Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => {
        this.waiter = resolve;
        this.waiterReject = reject;
      });
    };
    const iterator: AsyncIterableIterator<AnyMessage> = {
      next,
      return: () => {
        active = false;
        this.iterating = false;
        this.waiter = this.waiterReject = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AnyMessage> {
    return this.messages();
  }

  /** Bytes that came with the handshake go first; then the socket flows (until the queue fills). */
  private startReading(leftover: Uint8Array): void {
    if (this.closeInfo) return;
    if (leftover.length > 0) this.consume(leftover);
    if (this.isOpen && !this.pausedForQueue && !this.slicing) this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    const slice = this.options.maxBytesPerTurn;
    if (chunk.length <= slice) {
      this.consume(chunk);
      return;
    }
    // Fairness: the rest waits for the next turn, with reading paused so bytes stay in order.
    this.slicing = true;
    this.socket.pause();
    this.consumeSlices(chunk, 0);
  }

  private consumeSlices(chunk: Buffer, from: number): void {
    if (this.closeInfo) return;
    const to = Math.min(chunk.length, from + this.options.maxBytesPerTurn);
    this.consume(chunk.subarray(from, to));
    if (to < chunk.length) {
      setImmediate(() => this.consumeSlices(chunk, to));
      return;
    }
    this.slicing = false;
    if (this.isOpen && !this.pausedForQueue) this.socket.resume();
  }

  private consume(chunk: Uint8Array): void {
    if (this.closeInfo) return;
    this.stats.bytesIn += chunk.length;
    this.lastReceived = performance.now();
    const framesBefore = this.stats.framesIn;
    try {
      if (this.session) {
        this.session.feed(chunk, (frame) => this.deliver(readHeader(frame), frame, HEADER_SIZE));
      } else {
        this.plainBuffered += chunk.length;
        for (const { header, payload } of this.plain!.push(chunk)) {
          this.plainBuffered -= HEADER_SIZE + header.msgLength;
          this.deliver(header, payload, 0);
        }
      }
    } catch (err) {
      this.fail(this.toTransportError(err));
      return;
    }
    this.trackPartialFrame(this.stats.framesIn > framesBefore);
  }

  private get midFrame(): boolean {
    return this.session ? this.session.midFrame : this.plainBuffered > 0;
  }

  /** Starts the frame deadline when a frame begins; a frame completed restarts it for the next one. */
  private trackPartialFrame(completedOne: boolean): void {
    const limit = this.options.frameTimeoutMs;
    if (limit === 0 || this.closeInfo) return;
    if (!this.midFrame) {
      this.partialSince = undefined;
      return;
    }
    if (this.partialSince === undefined || completedOne) this.partialSince = performance.now();
    if (this.frameTimer === undefined) this.armFrameTimer(limit);
  }

  private armFrameTimer(delay: number): void {
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      if (this.partialSince === undefined) return;
      const waited = performance.now() - this.partialSince;
      const limit = this.options.frameTimeoutMs;
      if (waited >= limit) this.fail(new FrameTimeoutError(limit));
      else this.armFrameTimer(limit - waited);
    }, delay);
    this.frameTimer.unref();
  }

  private deliver(header: FrameHeader, bytes: Uint8Array, payloadStart: number): void {
    if (this.closeInfo) return;
    this.stats.framesIn++;
    let message: AnyMessage;
    try {
      message = payloadStart === 0 ? decodePayload(header, bytes) : decodeFrame(bytes);
    } catch (err) {
      if (err instanceof Sv2DecodeError && err.reason === 'unknown-message') {
        this.emit('unknownMessage', { header, payload: bytes.subarray(payloadStart) });
        return;
      }
      throw err;
    }
    const listened = this.listenerCount('message') > 0;
    if (listened) this.emit('message', message);
    if (!this.iterating && listened) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = this.waiterReject = undefined;
      resolve({ value: message, done: false });
      return;
    }
    this.queue.push(message);
    if (this.queue.length >= this.options.maxQueuedMessages && !this.pausedForQueue) {
      // Nobody is taking messages: stop reading; TCP flow control then slows the peer down.
      this.pausedForQueue = true;
      this.socket.pause();
    }
  }

  private flushQueueToListeners(): void {
    while (!this.iterating && this.queue.length > 0 && this.listenerCount('message') > 0) {
      try {
        this.emit('message', this.queue.shift()!);
      } catch (err) {
        this.fail(this.toTransportError(err));
        return;
      }
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.pausedForQueue && this.queue.length <= this.options.maxQueuedMessages / 2) {
      this.pausedForQueue = false;
      if (this.isOpen && !this.slicing) this.socket.resume();
    }
  }

  private toTransportError(err: unknown): Error {
    if (err instanceof NoiseError || err instanceof ConnectionError) return err;
    if (err instanceof Sv2DecodeError) {
      if (err.reason === 'frame-too-large') return new FrameTooLargeError(undefined, this.options.maxFramePayload, err.message);
      return new ProtocolError(`invalid message from peer: ${err.message}`, { cause: err });
    }
    // A 'message' handler threw: this connection cannot go on in a known state, the rest of the process can.
    return new ConnectionError(`message handler failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  private onPeerEnd(): void {
    if (this.midFrame) this.fail(new ConnectionClosedError('peer closed the connection in the middle of a frame'));
    else this.finish({ by: 'peer', reason: 'peer closed the connection' });
  }

  private armIdleTimer(delay: number): void {
    const limit = this.options.idleTimeoutMs;
    this.idleTimer = setTimeout(() => {
      const quiet = performance.now() - this.lastReceived;
      if (quiet >= limit) this.fail(new IdleTimeoutError(limit));
      else this.armIdleTimer(limit - quiet);
    }, delay);
    this.idleTimer.unref();
  }

  private closedError(): ConnectionClosedError {
    const info = this.closeInfo;
    return new ConnectionClosedError(`connection is closed (${info ? info.reason : 'closing'})`, { cause: info?.error });
  }

  /** Ends the connection at once because of `error`. */
  private fail(error: Error): void {
    if (this.closeInfo) return;
    this.setClosed({ by: 'error', reason: error.message, error });
    this.socket.destroy();
  }

  private finish(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.setClosed(info);
    this.socket.destroy();
  }

  /** Records why the connection ended (the first reason wins) and stops everything waiting on it. */
  private setClosed(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.frameTimer) clearTimeout(this.frameTimer);
    if (this.waiter) {
      const resolve = this.waiter;
      const reject = this.waiterReject!;
      this.waiter = this.waiterReject = undefined;
      this.iterating = false;
      if (info.error) reject(info.error);
      else resolve({ value: undefined, done: true });
    }
  }

  /** The socket is gone: now the connection is really over. */
  private onSocketClosed(): void {
    if (this.emittedClose) return;
    this.emittedClose = true;
    this.setClosed({ by: 'peer', reason: 'connection closed' });
    const info = this.closeInfo!;
    this.resolveClosed(info);
    this.emit('close', info);
  }
}
