import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Connection} from '../../src/net/index.js';
import {
  CertificateError,
  connect,
  DecryptError,
  FrameTooLargeError,
  HandshakeError,
  HandshakeTimeoutError,
  Sv2Server,
  type PeerAddress,
  type ServerOptions,
} from '../../src/net/index.js';
import { encodeFrame, type Messages } from '../../src/messages/index.js';
import {
  ACT1_SIZE,
  AuthorityKeyPair,
  NoiseResponder,
  SecretKey,
  ServerIdentity,
  signCertificate,
} from '../../src/noise/index.js';
import { closedSocket, rawNoiseClient, rawServer, rawSocket, readBytes } from '../support/net.js';

const authority = AuthorityKeyPair.generate();
const identity = ServerIdentity.create({ authority });
const share = (sequenceNumber: number): Messages['SubmitSharesStandard'] => ({
  channelId: 1, sequenceNumber, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000,
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((f) => f()));
});

async function serve(options: Partial<ServerOptions> = {}): Promise<Sv2Server> {
  const server = await Sv2Server.listen({ host: '127.0.0.1', port: 0, identity, ...options } as ServerOptions);
  cleanups.push(() => server.close());
  return server;
}

function nextConnection(server: Sv2Server): Promise<Connection> {
  return once(server, 'connection').then(([c]) => c as Connection);
}

function nextHandshakeError(server: Sv2Server): Promise<[Error, PeerAddress]> {
  return once(server, 'handshakeError') as Promise<[Error, PeerAddress]>;
}

/** The server still works: a proper client connects and a message goes through. */
async function serverStillServes(server: Sv2Server): Promise<void> {
  const accepted = nextConnection(server);
  const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
  const conn = await accepted;
  const got = once(conn, 'message');
  await client.send('SubmitSharesStandard', share(99));
  expect((await got)[0]).toMatchObject({ name: 'SubmitSharesStandard' });
  await client.close();
}

describe('certificates', () => {
  it('an initiator refuses a server vouched for by another authority, with a clear error', async () => {
    const server = await serve();
    const other = AuthorityKeyPair.generate();
    const error = await connect({ host: '127.0.0.1', port: server.port, authority: other.publicKey }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateError);
    expect((error as Error).message).toBe(`server certificate is not signed by the expected authority ${other.publicKey.toString()}`);
    await serverStillServes(server);
  });

  it('refuses an expired certificate and one not yet valid (±10 s leeway by default, configurable)', async () => {
    const key = SecretKey.generate();
    const now = Math.floor(Date.now() / 1000);
    const expired = await serve({ identity: ServerIdentity.withCertificate(key, signCertificate(authority, key.xOnly, now - 7200, now - 3600)) });
    const early = await serve({ identity: ServerIdentity.withCertificate(key, signCertificate(authority, key.xOnly, now + 600, now + 7200)) });
    const attempt = (port: number, extra: object = {}) =>
      connect({ host: '127.0.0.1', port, authority: authority.publicKey, ...extra }).then(
        (c) => c.close().then(() => 'connected'),
        (e: Error) => e,
      );
    const e1 = await attempt(expired.port);
    expect(e1).toBeInstanceOf(CertificateError);
    expect((e1 as Error).message).toMatch(/^server certificate expired at \d{4}-/);
    const e2 = await attempt(early.port);
    expect(e2).toBeInstanceOf(CertificateError);
    expect((e2 as Error).message).toMatch(/^server certificate is not valid yet: valid from /);
    // the same certificates, seen by clients whose clocks (or leeway) put them inside the window
    expect(await attempt(expired.port, { clock: () => (now - 3600 + 5) * 1000 })).toBe('connected');
    expect(await attempt(early.port, { clockLeewaySeconds: 600 })).toBe('connected');
  });
});

describe('tampering', () => {
  it('a flipped bit in any client frame closes that connection only; the server and its other connections carry on', async () => {
    const server = await serve();
    const bystanderAccepted = nextConnection(server);
    const bystander = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const bystanderConn = await bystanderAccepted;
    const frame = encodeFrame('SubmitSharesStandard', share(1));
    // bits in the header block, its tag, the payload block and its tag
    for (const bit of [0, 8 * 5 + 3, 8 * 21 + 7, 8 * 22, 8 * 40 + 1, 8 * 61]) {
      const accepted = nextConnection(server);
      const { socket, session } = await rawNoiseClient(server.port, authority.publicKey);
      const conn = await accepted;
      const received: number[] = [];
      conn.on('message', (m) => received.push((m.message as Messages['SubmitSharesStandard']).sequenceNumber));
      const good = session.encryptFrame(frame);
      const bad = session.encryptFrame(encodeFrame('SubmitSharesStandard', share(2)));
      bad[bit >> 3]! ^= 1 << (bit & 7);
      socket.write(Buffer.concat([good, bad, session.encryptFrame(frame)]));
      const info = await conn.closed;
      expect(info.error, `bit ${bit}`).toBeInstanceOf(DecryptError);
      expect(info.reason).toMatch(/failed authentication/);
      expect(received).toEqual([1]);
      await closedSocket(socket);
    }
    expect(bystanderConn.isOpen).toBe(true);
    const got = once(bystanderConn, 'message');
    await bystander.send('SubmitSharesStandard', share(7));
    expect((await got)[0]).toMatchObject({ message: { sequenceNumber: 7 } });
    await serverStillServes(server);
  });

  it('a flipped bit in a server frame closes the client with DecryptError', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await rawServer(async (socket) => {
      sockets.push(socket);
      const act1 = await readBytes(socket, ACT1_SIZE);
      const { act2, session } = new NoiseResponder(identity).readAct1(act1, Math.floor(Date.now() / 1000));
      const bad = session.encryptFrame(encodeFrame('SetupConnectionSuccess', { usedVersion: 2, flags: 0 }));
      bad[30]! ^= 0x40;
      socket.write(Buffer.concat([act2, bad]));
    });
    cleanups.push(() => new Promise((r) => server.close(r)), () => sockets.forEach((s) => s.destroy()));
    const client = await connect({ host: '127.0.0.1', port, authority: authority.publicKey });
    const info = await client.closed;
    expect(info.error).toBeInstanceOf(DecryptError);
  });
});

describe('broken handshakes', () => {
  it('a truncated act 1 is reported and the server carries on', async () => {
    const server = await serve();
    const failed = nextHandshakeError(server);
    const socket = await rawSocket(server.port);
    socket.end(Buffer.alloc(30, 1));
    const [error, peer] = await failed;
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error.message).toBe('peer closed the connection during the handshake, after 30 of the 64 bytes of act 1');
    expect(peer.address).toBe('127.0.0.1');
    await closedSocket(socket);
    await serverStillServes(server);
  });

  it('a truncated act 2 fails the connect with HandshakeError', async () => {
    const { server, port } = await rawServer((socket) => {
      socket.once('data', () => socket.end(Buffer.alloc(100, 2)));
    });
    cleanups.push(() => new Promise((r) => server.close(r)));
    const error = await connect({ host: '127.0.0.1', port, authority: authority.publicKey }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as Error).message).toBe('peer closed the connection during the handshake, after 100 of the 234 bytes of act 2');
  });

  it('garbage instead of act 1 gets nowhere: the bytes after the first 64 fail decryption and the peer is cut', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const socket = await rawSocket(server.port);
    socket.write('GET / HTTP/1.1\r\nHost: pool.example\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n');
    const conn = await accepted; // every 64-byte string is a valid ElligatorSwift key, so act 1 "succeeds"
    const info = await conn.closed;
    expect(info.error).toBeInstanceOf(DecryptError);
    await closedSocket(socket);
    await serverStillServes(server);
  });

  it('a peer sending one byte per second is cut at the handshake timeout', async () => {
    const server = await serve({ handshakeTimeoutMs: 300 });
    const failed = nextHandshakeError(server);
    const socket = await rawSocket(server.port);
    socket.write(Buffer.of(1));
    const trickle = setInterval(() => socket.writable && socket.write(Buffer.of(1)), 1000);
    cleanups.push(() => clearInterval(trickle));
    const started = performance.now();
    const [error] = await failed;
    expect(error).toBeInstanceOf(HandshakeTimeoutError);
    expect(error.message).toBe('handshake not completed within 300 ms');
    await closedSocket(socket);
    expect(performance.now() - started).toBeLessThan(900);
    await serverStillServes(server);
  });

  it('a client gives up on a server that never answers, at its handshake timeout', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await rawServer((socket) => sockets.push(socket));
    cleanups.push(() => new Promise((r) => server.close(r)), () => sockets.forEach((s) => s.destroy()));
    const error = await connect({ host: '127.0.0.1', port, authority: authority.publicKey, handshakeTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeTimeoutError);
  });
});

describe('frame size limit', () => {
  it('refuses an oversized frame on its header, before the payload arrives (encrypted)', async () => {
    const server = await serve({ maxFramePayload: 4096 });
    const accepted = nextConnection(server);
    const { socket, session } = await rawNoiseClient(server.port, authority.publicKey);
    const conn = await accepted;
    const frame = new Uint8Array(6 + 5000);
    frame.set([0x00, 0x00, 0x57, 5000 & 0xff, 5000 >> 8, 0]);
    socket.write(session.encryptFrame(frame).subarray(0, 22)); // the header block alone
    const info = await conn.closed;
    expect(info.error).toBeInstanceOf(FrameTooLargeError);
    expect(info.reason).toBe('frame payload of 5000 bytes exceeds the limit of 4096 bytes');
    await closedSocket(socket);
  });

  it('refuses an oversized frame in plaintext mode too (default limit 1 MiB)', async () => {
    const server = await serve({ plaintext: true } as Partial<ServerOptions>);
    const accepted = nextConnection(server);
    const socket = await rawSocket(server.port);
    const conn = await accepted;
    socket.write(Buffer.from([0x00, 0x00, 0x57, 0x01, 0x00, 0x11])); // 0x110001 bytes announced
    const info = await conn.closed;
    expect(info.error).toBeInstanceOf(FrameTooLargeError);
    expect(info.reason).toMatch(/over the limit of 1048576/);
    await closedSocket(socket);
  });
});
