/** Per-connection limits and settings shared by servers and clients. */
export interface ConnectionOptions {
  /** largest frame payload accepted from the peer, in bytes (default 1 MiB; the protocol allows 16 MiB) */
  maxFramePayload?: number;
  /** the handshake (and, for a client, the TCP connect) must finish within this (default 10 s) */
  handshakeTimeoutMs?: number;
  /**
   * close the connection when nothing has been received for this long; 0 = never (the default:
   * Sv2 has no keep-alive message, so a quiet link is not by itself a dead one)
   */
  idleTimeoutMs?: number;
  /**
   * once part of a frame has arrived, the rest must follow within this (default 30 s; 0 = never):
   * a peer cannot pin a large partial frame's buffer forever
   */
  frameTimeoutMs?: number;
  /** close the connection when more than this many bytes wait unsent because the peer does not read (default 16 MiB) */
  maxSendBuffer?: number;
  /** received messages an iterator may hold before reading from the socket pauses (default 1024) */
  maxQueuedMessages?: number;
  /**
   * bytes of received data handled per event-loop turn (default 8 KiB): a chunk beyond it is taken
   * a slice per turn, so one peer that sends fast cannot hold the loop from every other peer
   */
  maxBytesPerTurn?: number;
  /** tolerated clock skew when checking a server certificate, in seconds (default 10) */
  clockLeewaySeconds?: number;
  /** wall clock in ms since the epoch, for certificate windows (default Date.now) */
  clock?: () => number;
  /** how long a clean close waits for the peer to acknowledge before dropping the socket (default 2 s) */
  closeTimeoutMs?: number;
}

export interface ResolvedConnectionOptions {
  maxFramePayload: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  frameTimeoutMs: number;
  maxSendBuffer: number;
  maxQueuedMessages: number;
  maxBytesPerTurn: number;
  clockLeewaySeconds: number;
  clock: () => number;
  closeTimeoutMs: number;
}

export const DEFAULT_MAX_FRAME_PAYLOAD = 1 << 20;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}

export function resolveOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  return {
    maxFramePayload: nonNegative('maxFramePayload', options.maxFramePayload ?? DEFAULT_MAX_FRAME_PAYLOAD),
    handshakeTimeoutMs: nonNegative('handshakeTimeoutMs', options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS),
    idleTimeoutMs: nonNegative('idleTimeoutMs', options.idleTimeoutMs ?? 0),
    frameTimeoutMs: nonNegative('frameTimeoutMs', options.frameTimeoutMs ?? 30_000),
    maxSendBuffer: nonNegative('maxSendBuffer', options.maxSendBuffer ?? 16 << 20),
    maxQueuedMessages: Math.max(1, options.maxQueuedMessages ?? 1024),
    maxBytesPerTurn: Math.max(256, options.maxBytesPerTurn ?? 8192),
    clockLeewaySeconds: nonNegative('clockLeewaySeconds', options.clockLeewaySeconds ?? 10),
    clock: options.clock ?? Date.now,
    closeTimeoutMs: nonNegative('closeTimeoutMs', options.closeTimeoutMs ?? 2_000),
  };
}
