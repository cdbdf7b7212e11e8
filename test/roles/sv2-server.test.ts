import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/net/client.js';
import type { Connection } from '../../src/net/connection.js';
import type { Sv2Server } from '../../src/net/server.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { ServerIdentity } from '../../src/noise/server-identity.js';
import { embeddedDifficulty } from '../../src/roles/common/embedded-node.js';
import { silentLogger } from '../../src/roles/common/logger.js';
import { authorityKeyPairOf, listenSv2 } from '../../src/roles/common/sv2-server.js';
import { configError } from '../support/config.js';

const pair = AuthorityKeyPair.generate();
const keys = { authority_secret_key: pair.secretToString(), authority_public_key: pair.publicKey.toString() };

const servers: Sv2Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('a server role’s authority keys', () => {
  it('gives the pair when the public key is the secret’s', () => {
    expect(authorityKeyPairOf(keys).publicKey.equals(pair.publicKey)).toBe(true);
  });

  it('names the key at fault', () => {
    expect(configError(() => authorityKeyPairOf({ ...keys, authority_secret_key: 'not base58' })).key).toBe('authority_secret_key');
    expect(configError(() => authorityKeyPairOf({ ...keys, authority_public_key: 'not base58' })).key).toBe('authority_public_key');
    const other = AuthorityKeyPair.generate().publicKey.toString();
    expect(configError(() => authorityKeyPairOf({ ...keys, authority_public_key: other })).message).toBe('authority_public_key: is not the public key of authority_secret_key');
  });
});

describe('listenSv2', () => {
  it('serves Noise with an identity, hands each connection to accept, and logs a failed handshake without stopping', async () => {
    const identity = ServerIdentity.create({ authority: pair, validitySeconds: 60 });
    const logged: string[] = [];
    const log = silentLogger();
    log.info = ((_obj: unknown, msg: string) => void logged.push(msg)) as typeof log.info;
    let accept!: (conn: Connection) => void;
    const accepted = new Promise<Connection>((resolve) => (accept = resolve));
    const server = await listenSv2({ address: '127.0.0.1:0', identity, maxFramePayload: 4096 }, log, accept);
    servers.push(server);

    const failed = new Promise<void>((resolve) => server.once('handshakeError', () => resolve()));
    const quitter = createConnection({ host: '127.0.0.1', port: server.port }, () => quitter.end(new Uint8Array(10))); // leaves mid act 1
    await failed;
    expect(logged).toEqual(['handshake failed']);

    const client = await connect({ host: '127.0.0.1', port: server.port, authority: pair.publicKey.toString() });
    expect(client.encrypted).toBe(true);
    await (await accepted).close('done');
    await client.close('done');
  });

  it('serves plaintext without an identity', async () => {
    let accept!: (conn: Connection) => void;
    const accepted = new Promise<Connection>((resolve) => (accept = resolve));
    const server = await listenSv2({ address: '127.0.0.1:0', identity: undefined, maxFramePayload: 4096 }, silentLogger(), accept);
    servers.push(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, plaintext: true });
    expect(client.encrypted).toBe(false);
    expect((await accepted).encrypted).toBe(false);
    await client.close('done');
  });
});

describe('embeddedDifficulty', () => {
  it('maps the difficulty keys and names the table when both rules are given', () => {
    expect(embeddedDifficulty({}, 'x')).toEqual({ mode: 'regtest' });
    expect(embeddedDifficulty({ nbits: '0x207fffff' }, 'x')).toEqual({ mode: 'fixed', bits: 0x207fffff });
    expect(embeddedDifficulty({ target_block_interval_secs: 30, initial_hashrate: 1e6 }, 'x')).toEqual({ mode: 'retarget', blockIntervalSeconds: 30, initialHashrate: 1e6 });
    const e = configError(() => embeddedDifficulty({ nbits: '207fffff', target_block_interval_secs: 30 }, 'template_provider_type.Embedded'));
    expect(e.message).toBe('template_provider_type.Embedded.nbits: give nbits or target_block_interval_secs, not both');
  });
});
