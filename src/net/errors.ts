/**
 * Typed errors of the transport. Noise's own errors (HandshakeError, CertificateError, DecryptError,
 * FrameTooLargeError) are re-exported so a caller needs one import to tell every failure apart.
 */
import { Sv2Error } from '../codec/sv2-error.js';
import { HandshakeError } from '../noise/errors.js';

export { CertificateError, DecryptError, FrameTooLargeError, HandshakeError, KeyFormatError, NoiseError } from '../noise/errors.js';

/** Base class of the transport's own errors. */
export class ConnectionError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SV2_ERR_CONNECTION', message, options);
  }
}

/** The handshake did not finish in time (a stalled or trickling peer). */
export class HandshakeTimeoutError extends HandshakeError {
  override readonly code = 'SV2_ERR_HANDSHAKE_TIMEOUT' as const;
  constructor(readonly timeoutMs: number) {
    super(`handshake not completed within ${timeoutMs} ms`);
  }
}

/** Nothing was received from the peer for the configured idle time. */
export class IdleTimeoutError extends ConnectionError {
  override readonly code = 'SV2_ERR_IDLE_TIMEOUT' as const;
  constructor(readonly timeoutMs: number) {
    super(`nothing received for ${timeoutMs} ms`);
  }
}

/** Part of a frame arrived and the rest did not follow in time (a peer pinning a partial frame). */
export class FrameTimeoutError extends ConnectionError {
  override readonly code = 'SV2_ERR_FRAME_TIMEOUT' as const;
  constructor(readonly timeoutMs: number) {
    super(`a frame begun was not completed within ${timeoutMs} ms`);
  }
}

/** The peer went away, or the connection was already closed when something was sent. */
export class ConnectionClosedError extends ConnectionError {
  override readonly code = 'SV2_ERR_CONNECTION_CLOSED' as const;
}

/** Connecting (TCP) failed: refused, unreachable, DNS. */
export class ConnectFailedError extends ConnectionError {
  override readonly code = 'SV2_ERR_CONNECT_FAILED' as const;
}

/** The peer sent a frame that is not a valid Sv2 message. */
export class ProtocolError extends ConnectionError {
  override readonly code = 'SV2_ERR_PROTOCOL_ERROR' as const;
}

/** The peer does not read fast enough: more than the allowed bytes wait in the send buffer. */
export class SendBufferOverflowError extends ConnectionError {
  override readonly code = 'SV2_ERR_SEND_BUFFER_OVERFLOW' as const;
  constructor(readonly buffered: number, readonly limit: number) {
    super(`peer is not reading: ${buffered} bytes queued, limit ${limit}`);
  }
}

/** A `stratum2+tcp://host:port/<authority key>` URL is malformed. */
export class PoolUrlError extends ConnectionError {
  override readonly code = 'SV2_ERR_POOL_URL' as const;
}

/** A listener could not bind: the port is taken (EADDRINUSE) or not ours to use (EACCES, EADDRNOTAVAIL). */
export class ListenError extends ConnectionError {
  override readonly code = 'SV2_ERR_LISTEN' as const;
  constructor(
    readonly host: string,
    readonly port: number,
    readonly errno: string,
  ) {
    super(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${errno}${LISTEN_HINT[errno] ?? ''}`);
  }

  /** Node's listen error as a ListenError; anything else unchanged. */
  static from(e: unknown, host: string, port: number): unknown {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    return typeof code === 'string' ? new ListenError(host, port, code) : e;
  }
}

const LISTEN_HINT: Record<string, string> = {
  EADDRINUSE: ' (another program holds the port)',
  EACCES: ' (ports below 1024 need privileges)',
  EADDRNOTAVAIL: ' (no interface of this machine has that address)',
};
