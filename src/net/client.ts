/** Connecting to an Sv2 endpoint: TCP connect, initiator handshake (certificate checked), then a Connection. */
import { connect as netConnect } from 'node:net';
import { AuthorityPublicKey } from '../noise/authority-key.js';
import type { EphemeralKeyPool } from '../noise/ephemeral.js';
import { HandshakeError } from '../noise/errors.js';
import { Connection } from './connection.js';
import { ConnectFailedError } from './errors.js';
import { armHandshakeTimer, initiate, type HandshakeOutcome } from './handshake.js';
import { resolveOptions, type ConnectionOptions } from './options.js';
import { parsePoolUrl, type PoolUrl } from './pool-url.js';

interface CommonClientOptions extends ConnectionOptions {
  host: string;
  port: number;
  /** the local address to connect from (a machine with several) */
  localAddress?: string;
}

export type ClientOptions =
  | (CommonClientOptions & {
      /**
       * The authority the server's certificate must come from (key or its base58check text).
       * `null` encrypts without authenticating the server: only for links you trust anyway.
       */
      authority: AuthorityPublicKey | string | null;
      plaintext?: false;
      /** ready ephemeral keys (optional; without one each connect makes its own) */
      ephemeralPool?: EphemeralKeyPool;
    })
  | (CommonClientOptions & {
      /** no encryption at all: only for trusted local links, and only when asked for */
      plaintext: true;
    });

/** Connects, runs the handshake and resolves with the open connection; rejects with a typed error. */
export async function connect(options: ClientOptions): Promise<Connection> {
  const resolved = resolveOptions(options);
  const socket = netConnect({ host: options.host, port: options.port, ...(options.localAddress !== undefined && { localAddress: options.localAddress }) });
  socket.pause();
  const cancelTimer = armHandshakeTimer(socket, resolved.handshakeTimeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err instanceof HandshakeError ? err : new ConnectFailedError(`cannot connect to ${options.host}:${options.port}: ${err.message}`, { cause: err }));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve();
      });
    });
    let outcome: HandshakeOutcome;
    if (options.plaintext) {
      outcome = { session: undefined, leftover: new Uint8Array(0) };
    } else {
      const authority = typeof options.authority === 'string' ? AuthorityPublicKey.parse(options.authority) : (options.authority ?? undefined);
      outcome = await initiate(socket, { authority, ephemeral: options.ephemeralPool?.take() }, resolved);
    }
    cancelTimer();
    return new Connection(socket, outcome, resolved);
  } catch (err) {
    cancelTimer();
    socket.destroy();
    throw err;
  }
}

/** Connects to a `stratum2+tcp://host:port/<authority key>` URL. */
export function connectUrl(url: string | PoolUrl, options: ConnectionOptions & { ephemeralPool?: EphemeralKeyPool } = {}): Promise<Connection> {
  const parsed = typeof url === 'string' ? parsePoolUrl(url) : url;
  return connect({ ...options, host: parsed.host, port: parsed.port, authority: parsed.authority });
}
