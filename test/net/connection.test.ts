import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Connection} from '../../src/net/index.js';
import {
  connect,
  connectUrl,
  ConnectFailedError,
  ConnectionClosedError,
  ConnectionError,
  IdleTimeoutError,
  ProtocolError,
  SendBufferOverflowError,
  Sv2Server,
  type ServerOptions,
} from '../../src/net/index.js';
import { encodeFrame, type AnyMessage, type Messages } from '../../src/messages/index.js';
import { AuthorityKeyPair, ServerIdentity } from '../../src/noise/index.js';
import { lcg, rawNoiseClient, rawSocket } from '../support/net.js';

const authority = AuthorityKeyPair.generate();
const identity = ServerIdentity.create({ authority });

const setup: Messages['SetupConnection'] = {
  protocol: 0, minVersion: 2, maxVersion: 2, flags: 0, endpointHost: '127.0.0.1', endpointPort: 3333,
  vendor: 'test', hardwareVersion: '', firmware: '', deviceId: '',
};
const share = (sequenceNumber: number): Messages['SubmitSharesStandard'] => ({
  channelId: 1, sequenceNumber, jobId: 42, nonce: 0xdeadbeef, ntime: 0x66000000, version: 0x20000000,
});

const servers: Sv2Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Partial<ServerOptions> = {}): Promise<Sv2Server> {
  const server = await Sv2Server.listen({ host: '127.0.0.1', port: 0, identity, ...options } as ServerOptions);
  servers.push(server);
  return server;
}

function nextConnection(server: Sv2Server): Promise<Connection> {
  return once(server, 'connection').then(([c]) => c as Connection);
}

async function first(conn: Connection): Promise<AnyMessage> {
  for await (const m of conn) return m;
  throw new Error('connection ended without a message');
}

describe('Sv2 connections over TCP', () => {
  it('handshakes, then carries typed messages both ways (encrypted)', async () => {
    const server = await serve();
    expect(server.port).toBeGreaterThan(0);
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey.toString() });
    const conn = await accepted;
    expect(client.encrypted && conn.encrypted).toBe(true);
    expect(Buffer.from(client.serverStaticKey!).equals(identity.staticKey.key.xOnly)).toBe(true);
    expect(client.certificate?.version).toBe(0);

    await client.send('SetupConnection', setup);
    const got = await first(conn);
    expect(got.name).toBe('SetupConnection');
    expect(got.message).toEqual(setup);
    await conn.send('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
    expect(await first(client)).toMatchObject({ name: 'SetupConnectionSuccess', message: { usedVersion: 2, flags: 0 } });
    expect(server.openConnections.size).toBe(1);
  });

  it('runs in plaintext only when both sides ask for it', async () => {
    const server = await serve({ plaintext: true } as Partial<ServerOptions>);
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, plaintext: true });
    const conn = await accepted;
    expect(client.encrypted || conn.encrypted).toBe(false);
    await client.send('SetupConnection', setup);
    expect((await first(conn)).message).toEqual(setup);
  });

  it('connects by pool URL', async () => {
    const server = await serve();
    const client = await connectUrl(`stratum2+tcp://127.0.0.1:${server.port}/${authority.publicKey.toString()}`);
    expect(client.encrypted).toBe(true);
    await client.close();
  });

  it('delivers 10 000 frames written in random-size pieces intact and in order', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const { socket, session } = await rawNoiseClient(server.port, authority.publicKey);
    const conn = await accepted;
    const wire = Buffer.concat(Array.from({ length: 10_000 }, (_, i) => session.encryptFrame(encodeFrame('SubmitSharesStandard', share(i)))));
    const random = lcg(7);
    (async () => {
      for (let offset = 0; offset < wire.length; ) {
        const size = 1 + (random() % 3000);
        if (!socket.write(wire.subarray(offset, offset + size))) await once(socket, 'drain');
        offset += size;
      }
    })();
    let expected = 0;
    for await (const m of conn) {
      expect(m.name).toBe('SubmitSharesStandard');
      expect((m.message as Messages['SubmitSharesStandard']).sequenceNumber).toBe(expected++);
      if (expected === 10_000) break;
    }
    expect(expected).toBe(10_000);
    expect(conn.isOpen).toBe(true);
    socket.destroy();
  });

  it('frames sent in one tick leave in one socket write, writePending() sends them at once, and close() sends what is pending', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const conn = await accepted;
    // The socket under the connection, to count the writes it is given.
    const socket = (conn as unknown as { socket: { write: (chunk: Uint8Array) => boolean } }).socket;
    const write = socket.write.bind(socket);
    const writes: number[] = [];
    socket.write = (chunk: Uint8Array) => (writes.push(chunk.length), write(chunk));
    const got: number[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (m) => {
        if (m.name === 'SubmitSharesStandard') got.push(m.message.sequenceNumber);
        if (got.length === 210) resolve();
      }),
    );
    for (let i = 0; i < 200; i++) conn.post('SubmitSharesStandard', share(i));
    expect(writes).toEqual([]); // nothing yet: the tick is not over (and 12 kB is under the socket's high-water mark)
    expect(conn.bufferedAmount).toBe(200 * (22 + 24 + 16));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(writes).toEqual([200 * (22 + 24 + 16)]);
    for (let i = 200; i < 205; i++) conn.post('SubmitSharesStandard', share(i));
    expect(conn.writePending()).toBe(true);
    expect(writes.length).toBe(2);
    for (let i = 205; i < 210; i++) conn.post('SubmitSharesStandard', share(i));
    void conn.close();
    await all;
    expect(writes.length).toBe(3);
    expect(got).toEqual(Array.from({ length: 210 }, (_, i) => i));
    expect(conn.stats.framesOut).toBe(210);
  });

  it('send() waits while the peer is not taking messages, and resumes when it does', async () => {
    const server = await serve({ maxQueuedMessages: 4 });
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const conn = await accepted; // nobody takes messages on this side yet: 4 are queued, then reading pauses
    const big: Messages['ProvideMissingTransactionsSuccess'] = { requestId: 0, transactionList: [new Uint8Array(60_000).fill(7)] };
    let pending: Promise<void> | undefined;
    let sent = 0;
    while (pending === undefined) {
      let settled = false;
      const p = client.send('ProvideMissingTransactionsSuccess', { ...big, requestId: sent });
      void p.then(() => (settled = true));
      sent++;
      await new Promise<void>((resolve) => setImmediate(resolve)); // let the socket work, then look
      if (!settled) pending = p;
      expect(sent).toBeLessThan(2000);
    }
    expect(client.bufferedAmount).toBeGreaterThan(0);
    let received = 0;
    for await (const m of conn) {
      expect(m.message).toMatchObject({ requestId: received });
      if (++received === sent) break;
    }
    await pending;
    expect(received).toBe(sent);
  });

  it('closes a peer that does not read once the send buffer limit is passed', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey, maxSendBuffer: 256 * 1024 });
    await accepted;
    const frame = new Uint8Array(6 + 60_000);
    frame.set([0x77, 0x07, 0x01, 0x60, 0xea, 0x00]);
    const results: Promise<unknown>[] = [];
    for (let i = 0; i < 500 && client.isOpen; i++) results.push(client.sendFrame(frame).catch((e: unknown) => e));
    const info = await client.closed;
    expect(info.error).toBeInstanceOf(SendBufferOverflowError);
    expect(info.reason).toMatch(/^peer is not reading: \d+ bytes queued, limit 262144$/);
    expect((await Promise.all(results)).some((r) => r instanceof SendBufferOverflowError)).toBe(true);
    await expect(client.send('SetupConnection', setup)).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('post() sends without a promise: in order with send(), false once closed, a peer that stops reading is cut with no unhandled rejection', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey, maxSendBuffer: 256 * 1024 });
    const conn = await accepted;
    expect(client.post('SubmitSharesStandard', share(1))).toBe(true);
    void client.send('SubmitSharesStandard', share(2));
    expect(client.post('SubmitSharesStandard', share(3))).toBe(true);
    const got: number[] = [];
    for await (const m of conn) {
      if (m.name === 'SubmitSharesStandard') got.push(m.message.sequenceNumber);
      if (got.length === 3) break;
    }
    expect(got).toEqual([1, 2, 3]);
    // A value that cannot be encoded: refused, the connection carries on.
    expect(client.post('SubmitSharesStandard', { ...share(4), channelId: -1 })).toBe(false);
    expect(client.isOpen).toBe(true);
    // The server stops reading (its iterator has stopped); posting past the send buffer limit cuts the link.
    const big = { ...setup, vendor: 'x'.repeat(255) };
    for (let i = 0; i < 100_000 && client.isOpen; i++) client.post('SetupConnection', big);
    const info = await client.closed;
    expect(info.error).toBeInstanceOf(SendBufferOverflowError);
    expect(client.post('SubmitSharesStandard', share(5))).toBe(false);
  });

  it('closes cleanly with a reason; the peer sees the end and its iterator finishes', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const conn = await accepted;
    const iteration = (async () => {
      const names: string[] = [];
      for await (const m of client) names.push(m.name);
      return names;
    })();
    await conn.send('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
    const closing = conn.close('maintenance');
    expect(await closing).toEqual({ by: 'local', reason: 'maintenance' });
    expect(await iteration).toEqual(['SetupConnectionSuccess']);
    expect(await client.closed).toEqual({ by: 'peer', reason: 'peer closed the connection' });
    expect(server.openConnections.size).toBe(0);
  });

  it('cuts a connection that stays quiet past the idle limit', async () => {
    const server = await serve({ idleTimeoutMs: 200 });
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const conn = await accepted;
    conn.on('message', () => undefined);
    const info = await conn.closed;
    expect(info.by).toBe('error');
    expect(info.error).toBeInstanceOf(IdleTimeoutError);
    expect(info.reason).toBe('nothing received for 200 ms');
    expect((await client.closed).by).toBe('peer');
  });

  it('traffic keeps a connection alive past the idle limit; silence then ends it', async () => {
    const server = await serve({ idleTimeoutMs: 250 });
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const conn = await accepted;
    const started = performance.now();
    let received = 0;
    conn.on('message', () => received++);
    // the peer's behaviour: one share every 100 ms, six times (600 ms in all, well past 250 ms)
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.send('SubmitSharesStandard', share(i));
    }
    const info = await conn.closed;
    expect(received).toBe(6);
    expect(info.error).toBeInstanceOf(IdleTimeoutError);
    expect(performance.now() - started).toBeGreaterThan(600 + 250 - 20);
  });

  it('reports unknown messages and carries on; a malformed known message closes with ProtocolError', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const { socket, session } = await rawNoiseClient(server.port, authority.publicKey);
    const conn = await accepted;
    const unknown = once(conn, 'unknownMessage');
    const messages: string[] = [];
    conn.on('message', (m) => messages.push(m.name));
    socket.write(session.encryptFrame(Uint8Array.of(0x34, 0x12, 0x05, 0x01, 0x00, 0x00, 0xaa)));
    socket.write(session.encryptFrame(encodeFrame('SubmitSharesStandard', share(1))));
    const [frame] = await unknown;
    expect(frame.header).toMatchObject({ extensionType: 0x1234, msgType: 5, msgLength: 1 });
    // SubmitSharesStandard with two payload bytes missing
    const truncated = encodeFrame('SubmitSharesStandard', share(2)).subarray(0, 28);
    truncated[3] = 22;
    socket.write(session.encryptFrame(truncated));
    const info = await conn.closed;
    expect(messages).toEqual(['SubmitSharesStandard']);
    expect(info.error).toBeInstanceOf(ProtocolError);
    expect(info.reason).toMatch(/^invalid message from peer: /);
    socket.destroy();
  });

  it('a throwing message handler closes only its own connection', async () => {
    const server = await serve();
    const a = nextConnection(server);
    const clientA = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const connA = await a;
    const b = nextConnection(server);
    const clientB = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const connB = await b;
    connA.on('message', () => {
      throw new Error('handler bug');
    });
    await clientA.send('SubmitSharesStandard', share(1));
    const info = await connA.closed;
    expect(info.error).toBeInstanceOf(ConnectionError);
    expect(info.reason).toBe('message handler failed: handler bug');
    await clientB.send('SubmitSharesStandard', share(2));
    expect((await first(connB)).name).toBe('SubmitSharesStandard');
  });

  it('a message that cannot be encoded, or a malformed raw frame, is refused without harming the connection', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    const conn = await accepted;
    await expect(client.send('SubmitSharesStandard', { ...share(1), nonce: 2 ** 32 })).rejects.toThrow(/nonce/);
    await expect(client.sendFrame(Uint8Array.of(0, 0, 0, 5, 0, 0, 1))).rejects.toThrow('not a whole frame: 7 bytes');
    await client.send('SubmitSharesStandard', share(3));
    expect(await first(conn)).toMatchObject({ message: { sequenceNumber: 3 } });
  });

  it('closing the server closes its connections', async () => {
    const server = await serve();
    const accepted = nextConnection(server);
    const client = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey });
    await accepted;
    servers.splice(servers.indexOf(server), 1);
    await server.close();
    expect((await client.closed).by).toBe('peer');
    await expect(rawSocket(server.port)).rejects.toThrow();
  });

  it('a refused connect is a ConnectFailedError', async () => {
    const server = await serve();
    const port = server.port;
    servers.splice(servers.indexOf(server), 1);
    await server.close();
    const error = await connect({ host: '127.0.0.1', port, authority: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectFailedError);
    expect((error as Error).message).toMatch(/^cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });
});
