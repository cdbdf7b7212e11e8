/**
 * What a role that accepts connections lets one peer, or all of them, take: config keys shared by
 * every such role (ours; SRI has none), with defaults that leave an honest farm room and an
 * attacker none. Monitoring has its own HTTP listener, so miners can never take its descriptors.
 */
import { z } from 'zod';
import type { ServerOptions } from '../../net/server.js';

export const limitKeys = {
  /** Connections open at once, handshaking or set up. */
  max_connections: z.number().int().positive().default(10_000),
  /** Connections from one address at once (a farm behind one NAT counts as one address). */
  max_connections_per_ip: z.number().int().positive().default(1_000),
  /** New handshakes per second (a burst of as many is allowed); beyond it a peer is dropped before any cryptography. */
  max_handshakes_per_sec: z.number().positive().default(200),
  /**
   * New handshakes per second from one address (a burst of as many): one flooding address cannot
   * take every handshake the listener admits, so miners elsewhere still get in. A farm behind one
   * address reconnecting 1 000 devices is back in 20 s at the default.
   */
  max_handshakes_per_sec_per_ip: z.number().positive().default(50),
  /**
   * A peer cut off for abuse (a share flood, a protocol violation) makes its address wait before
   * it may connect again: 1 s, doubling with each cut within 10 minutes, up to this; 0 turns it
   * off. Connections already open from that address stay.
   */
  abuse_penalty_max_secs: z.number().nonnegative().default(60),
  /**
   * A refused connection (any limit above) is held this long, unread and unanswered, before it is
   * closed: a peer that reconnects the moment it is dropped then costs a few refusals a second,
   * not thousands. 0 closes refused connections at once.
   */
  refused_hold_secs: z.number().nonnegative().default(2),
  /** Refused connections held at once; more are closed at once (each held one is a descriptor). */
  max_refused_held: z.number().int().nonnegative().default(1_024),
  /** Once part of a frame has arrived, the rest must follow within this. */
  frame_timeout_secs: z.number().positive().default(30),
  /**
   * Channel opens per second from one address (a burst of as many, shared by its connections);
   * beyond it the address's opens wait their turn, in order (`message-pacing.ts`). A farm proxy
   * opening 10 000 channels at once has them all in 4 s at the default.
   */
  max_channel_opens_per_sec: z.number().positive().default(2_000),
  /** Bytes waiting for a peer that does not read; beyond it the peer is cut (a new block for 10 000 standard channels is ~1.3 MB). */
  max_send_buffer_bytes: z.number().int().min(65_536).default(4 << 20),
};

export interface LimitsConfig {
  max_connections: number;
  max_connections_per_ip: number;
  max_handshakes_per_sec: number;
  max_handshakes_per_sec_per_ip: number;
  abuse_penalty_max_secs: number;
  refused_hold_secs: number;
  max_refused_held: number;
  frame_timeout_secs: number;
  max_send_buffer_bytes: number;
  max_channel_opens_per_sec: number;
  /** Nothing received for this long closes the connection; 0 = never. */
  idle_timeout_secs: number;
}

export type ListenLimits = Pick<ServerOptions, 'maxConnections' | 'maxConnectionsPerIp' | 'maxHandshakesPerSecond' | 'maxHandshakesPerSecondPerIp' | 'abusePenaltyMaxMs' | 'refusedHoldMs' | 'maxRefusedHeld' | 'frameTimeoutMs' | 'idleTimeoutMs' | 'maxSendBuffer'> & {
  /** Channel opens per second per address (the server's pacing, not the listener's). */
  channelOpensPerSecond?: number;
};

/** Just the limit keys of a role's parsed config (what its settings keep). */
export function limitsOf(c: LimitsConfig): LimitsConfig {
  return {
    max_connections: c.max_connections,
    max_connections_per_ip: c.max_connections_per_ip,
    max_handshakes_per_sec: c.max_handshakes_per_sec,
    max_handshakes_per_sec_per_ip: c.max_handshakes_per_sec_per_ip,
    abuse_penalty_max_secs: c.abuse_penalty_max_secs,
    refused_hold_secs: c.refused_hold_secs,
    max_refused_held: c.max_refused_held,
    frame_timeout_secs: c.frame_timeout_secs,
    max_send_buffer_bytes: c.max_send_buffer_bytes,
    max_channel_opens_per_sec: c.max_channel_opens_per_sec,
    idle_timeout_secs: c.idle_timeout_secs,
  };
}

/** The listener options those keys mean. */
export function listenLimits(cfg: LimitsConfig): ListenLimits {
  return {
    maxConnections: cfg.max_connections,
    maxConnectionsPerIp: cfg.max_connections_per_ip,
    maxHandshakesPerSecond: cfg.max_handshakes_per_sec,
    maxHandshakesPerSecondPerIp: cfg.max_handshakes_per_sec_per_ip,
    abusePenaltyMaxMs: cfg.abuse_penalty_max_secs * 1000,
    refusedHoldMs: cfg.refused_hold_secs * 1000,
    maxRefusedHeld: cfg.max_refused_held,
    frameTimeoutMs: cfg.frame_timeout_secs * 1000,
    idleTimeoutMs: cfg.idle_timeout_secs * 1000,
    maxSendBuffer: cfg.max_send_buffer_bytes,
    channelOpensPerSecond: cfg.max_channel_opens_per_sec,
  };
}
