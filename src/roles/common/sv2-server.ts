/**
 * What a role that serves Sv2 (the pool, the template provider) takes from its config: the
 * authority key pair, checked against the configured public key, and listeners wired to the
 * role's accept and log.
 */
import type { Logger } from 'pino';
import type { Connection } from '../../net/connection.js';
import { Sv2Server } from '../../net/server.js';
import { AuthorityKeyPair, AuthorityPublicKey } from '../../noise/authority-key.js';
import type { ServerIdentity } from '../../noise/server-identity.js';
import { ConfigError, splitHostPort } from './config.js';

export interface AuthorityKeysConfig {
  authority_secret_key: string;
  authority_public_key: string;
}

/** The authority key pair; a ConfigError names the key at fault, or the public key that does not match the secret. */
export function authorityKeyPairOf(cfg: AuthorityKeysConfig): AuthorityKeyPair {
  let pair: AuthorityKeyPair;
  try {
    pair = AuthorityKeyPair.parseSecret(cfg.authority_secret_key);
  } catch (e) {
    throw new ConfigError('authority_secret_key', (e as Error).message);
  }
  let pub: AuthorityPublicKey;
  try {
    pub = AuthorityPublicKey.parse(cfg.authority_public_key);
  } catch (e) {
    throw new ConfigError('authority_public_key', (e as Error).message);
  }
  if (!pub.equals(pair.publicKey)) throw new ConfigError('authority_public_key', 'is not the public key of authority_secret_key');
  return pair;
}

export interface ListenOptions {
  /** host:port; port 0 picks a free one. */
  address: string;
  /** Noise with this identity; plaintext without one. */
  identity: ServerIdentity | undefined;
  maxFramePayload: number;
}

/** Listens, hands every connection to `accept` and logs failed handshakes (the server carries on). */
export async function listenSv2(opts: ListenOptions, log: Logger, accept: (conn: Connection) => void): Promise<Sv2Server> {
  const { host, port } = splitHostPort(opts.address);
  const common = { host, port, maxFramePayload: opts.maxFramePayload };
  const server = await Sv2Server.listen(opts.identity ? { ...common, identity: opts.identity } : { ...common, plaintext: true });
  server.on('connection', accept);
  server.on('handshakeError', (err, peer) => log.info({ peer: `${peer.address}:${peer.port}`, err: err.message }, 'handshake failed'));
  return server;
}
