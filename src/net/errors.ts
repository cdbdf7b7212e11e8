/**
 * Typed errors of the transport. Noise's own errors (HandshakeError, CertificateError, DecryptError,
 * FrameTooLargeError) are re-exported so a caller needs one import to tell every failure apart.
 */
import { HandshakeError } from '../noise/errors.js';

export { CertificateError, DecryptError, FrameTooLargeError, HandshakeError, KeyFormatError, NoiseError } from '../noise/errors.js';

/** Base class of the transport's own errors. */
export class ConnectionError extends Error {
  readonly code: string = 'CONNECTION_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The handshake did not finish in time (a stalled or trickling peer). */
export class HandshakeTimeoutError extends HandshakeError {
  override readonly code: string = 'HANDSHAKE_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`handshake not completed within ${timeoutMs} ms`);
  }
}

/** Nothing was received from the peer for the configured idle time. */
export class IdleTimeoutError extends ConnectionError {
  override readonly code: string = 'IDLE_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`nothing received for ${timeoutMs} ms`);
  }
}

/** The peer went away, or the connection was already closed when something was sent. */
export class ConnectionClosedError extends ConnectionError {
  override readonly code: string = 'CONNECTION_CLOSED';
}

/** Connecting (TCP) failed: refused, unreachable, DNS. */
export class ConnectFailedError extends ConnectionError {
  override readonly code: string = 'CONNECT_FAILED';
}

/** The peer sent a frame that is not a valid Sv2 message. */
export class ProtocolError extends ConnectionError {
  override readonly code: string = 'PROTOCOL_ERROR';
}

/** The peer does not read fast enough: more than the allowed bytes wait in the send buffer. */
export class SendBufferOverflowError extends ConnectionError {
  override readonly code: string = 'SEND_BUFFER_OVERFLOW';
  constructor(readonly buffered: number, readonly limit: number) {
    super(`peer is not reading: ${buffered} bytes queued, limit ${limit}`);
  }
}

/** A `stratum2+tcp://host:port/<authority key>` URL is malformed. */
export class PoolUrlError extends ConnectionError {
  override readonly code: string = 'POOL_URL';
}
