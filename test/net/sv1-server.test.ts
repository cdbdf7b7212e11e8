import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Sv1Server } from '../../src/net/sv1-server.js';
import type { Sv1CloseReason, Sv1DownstreamConnection, Sv1ServerLimits } from '../../src/net/sv1-server.js';
import { LineSplitter, buildResult, parseServerLine } from '../../src/sv1/index.js';
import type { Sv1ClientMessage } from '../../src/sv1/index.js';

interface Accepted {
  connection: Sv1DownstreamConnection;
  messages: Sv1ClientMessage[];
  closed: Promise<{ reason: Sv1CloseReason; detail: string }>;
}

/** A server that answers every request with `true` and records what it saw. */
async function echoServer(limits: Partial<Sv1ServerLimits> = {}) {
  const accepted: Accepted[] = [];
  const waiting: Array<(a: Accepted) => void> = [];
  const server = await Sv1Server.listen({
    host: '127.0.0.1',
    port: 0,
    limits,
    onConnection(connection) {
      const messages: Sv1ClientMessage[] = [];
      let close!: (v: { reason: Sv1CloseReason; detail: string }) => void;
      const closed = new Promise<{ reason: Sv1CloseReason; detail: string }>((r) => (close = r));
      connection.setHandler({
        onMessage(m) {
          messages.push(m);
          if (m.type !== 'response' && m.id !== null) connection.send(buildResult(m.id, true));
        },
        onClose: (reason, detail) => close({ reason, detail }),
      });
      const a = { connection, messages, closed };
      accepted.push(a);
      waiting.shift()?.(a);
    },
  });
  const nextConnection = (): Promise<Accepted> => new Promise((resolve) => waiting.push(resolve));
  return { server, accepted, nextConnection };
}

/** A raw client socket collecting the lines it receives. */
async function rawClient(port: number, read = true) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const lines: string[] = [];
  const splitter = new LineSplitter();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  if (read) {
    socket.on('data', (chunk: Buffer) => {
      lines.push(...splitter.push(chunk));
      for (const w of [...waiters]) {
        if (lines.length < w.n) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  } else {
    socket.pause();
  }
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const lineCount = (n: number): Promise<void> => (lines.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));
  return { socket, lines, closed, lineCount };
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(limits: Partial<Sv1ServerLimits> = {}) {
  const s = await echoServer(limits);
  cleanup.push(() => s.server.close());
  return s;
}

function track(s: Socket): void {
  cleanup.push(() => void s.destroy());
}

describe('Sv1Server', () => {
  it('frames and parses what miners send, in order, across arbitrary chunking, and answers', async () => {
    const { server, nextConnection } = await setup();
    const next = nextConnection();
    const c = await rawClient(server.port);
    track(c.socket);
    const a = await next;
    const text = '{"id":1,"method":"mining.subscribe","params":["x"]}\r\n{"id":2,"method":"mining.authorize","params":["u","p"]}\n';
    for (let i = 0; i < text.length; i += 7) c.socket.write(text.slice(i, i + 7));
    await c.lineCount(2);
    expect(a.messages.map((m) => m.type)).toEqual(['subscribe', 'authorize']);
    expect(c.lines.map((l) => parseServerLine(l))).toMatchObject([{ id: 1, result: true }, { id: 2, result: true }]);
    expect(a.connection.remoteAddress).toBe('127.0.0.1');
  });

  it('takes a big burst from one miner a slice per turn, in order', async () => {
    const { server, nextConnection } = await setup();
    const next = nextConnection();
    const c = await rawClient(server.port, false);
    track(c.socket);
    const a = await next;
    let atFirstTurnEnd: number | undefined;
    const lines = Array.from({ length: 2000 }, (_, i) => `{"id":${i},"method":"mining.extranonce.subscribe","params":[]}\n`);
    const total = lines.join('');
    const firstTurn = new Promise<void>((resolve) => {
      const check = (): void => {
        if (a.messages.length === 0) return void setImmediate(check);
        atFirstTurnEnd = a.messages.length;
        resolve();
      };
      check();
    });
    c.socket.write(total);
    await firstTurn;
    await vi.waitFor(() => expect(a.messages).toHaveLength(2000), { timeout: 5_000 });
    expect(a.messages.map((m) => (m as { id: number }).id)).toEqual(lines.map((_, i) => i));
    // ~57 bytes a line: an 8 KiB turn is ~144 lines, never the whole 114 KB burst.
    expect(atFirstTurnEnd).toBeLessThan(300);
  });

  it('answers a bad line that has an id with an error; a flood of bad lines cuts only that miner', async () => {
    const { server, nextConnection } = await setup({ maxBadLines: 3, badLineWindow: 10 });
    const nextA = nextConnection();
    const good = await rawClient(server.port);
    track(good.socket);
    const a = await nextA;
    const nextB = nextConnection();
    const bad = await rawClient(server.port);
    track(bad.socket);
    const b = await nextB;

    bad.socket.write('{"id":5,"method":"mining.submit","params":["w"]}\n');
    await bad.lineCount(1);
    expect(parseServerLine(bad.lines[0]!)).toMatchObject({ id: 5, error: { code: 20, message: expect.stringContaining('mining.submit') } });
    bad.socket.write('this is not json\n{"id":6,"method":"mining.subscribe","params":[]}\n{]\n');
    expect(await b.closed).toMatchObject({ reason: 'bad-lines' });
    await bad.closed;

    good.socket.write('{"id":1,"method":"mining.subscribe","params":[]}\n');
    await good.lineCount(1);
    expect(a.connection.isOpen).toBe(true);
  });

  it('cuts a miner whose line passes the cap without waiting for the newline', async () => {
    const { server, nextConnection } = await setup({ maxLineBytes: 1024 });
    const next = nextConnection();
    const c = await rawClient(server.port);
    track(c.socket);
    const a = await next;
    c.socket.write('{"id":1,"method":"mining.subscribe","params":["' + 'a'.repeat(2000));
    expect(await a.closed).toMatchObject({ reason: 'line-too-long' });
    await c.closed;
  });

  it('cuts a miner that never reads once its write buffer passes the cap; a reading miner is unaffected', async () => {
    const { server, nextConnection } = await setup({ maxWriteBufferBytes: 64 * 1024 });
    const nextA = nextConnection();
    const reader = await rawClient(server.port);
    track(reader.socket);
    const a = await nextA;
    const nextB = nextConnection();
    const sleeper = await rawClient(server.port, false);
    track(sleeper.socket);
    const b = await nextB;

    // what a translator sends everyone: jobs; a 4 KiB line at a time until the sleeper is cut
    const job = `{"id":null,"method":"mining.notify","params":["${'f'.repeat(4096)}"]}\n`;
    let sent = 0;
    while (b.connection.isOpen && sent < 100_000) {
      b.connection.send(job);
      if (sent % 64 === 0) a.connection.send(job);
      sent++;
      // let the kernel move bytes for the reader
      if (sent % 256 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(await b.closed).toMatchObject({ reason: 'write-buffer-full' });
    expect(a.connection.isOpen).toBe(true);
    a.connection.send(buildResult(99, true));
    await reader.lineCount(Math.ceil(sent / 64) + 1);
    expect(reader.lines.at(-1)).toBe('{"id":99,"result":true,"error":null}');
  });

  it('cuts a miner that sends nothing for the idle timeout', async () => {
    const { server, nextConnection } = await setup({ idleTimeoutMs: 200 });
    const next = nextConnection();
    const c = await rawClient(server.port);
    track(c.socket);
    const a = await next;
    const t0 = Date.now();
    expect(await a.closed).toMatchObject({ reason: 'idle' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('refuses connections beyond maxConnections', async () => {
    const { server, nextConnection } = await setup({ maxConnections: 1 });
    const next = nextConnection();
    const first = await rawClient(server.port);
    track(first.socket);
    await next;
    const second = await rawClient(server.port);
    track(second.socket);
    await second.closed;
    expect(server.refused).toBe(1);
    expect(server.connectionCount).toBe(1);
  });

  it('refuses an address its connections beyond maxConnectionsPerIp, and admits it again once one leaves', async () => {
    const { server, nextConnection } = await setup({ maxConnectionsPerIp: 2 });
    const clients = [];
    for (let i = 0; i < 2; i++) {
      const next = nextConnection();
      const c = await rawClient(server.port);
      track(c.socket);
      clients.push(c);
      await next;
    }
    const third = await rawClient(server.port);
    track(third.socket);
    await third.closed;
    expect(server.refused).toBe(1);
    clients[0]!.socket.destroy();
    await clients[0]!.closed;
    await vi.waitFor(() => expect(server.connectionCount).toBe(1));
    const next = nextConnection();
    const again = await rawClient(server.port);
    track(again.socket);
    await next;
    expect(server.connectionCount).toBe(2);
  });

  it('close() drops every miner with reason server-closed', async () => {
    const s = await echoServer();
    const next = s.nextConnection();
    const c = await rawClient(s.server.port);
    track(c.socket);
    const a = await next;
    await s.server.close();
    expect(await a.closed).toMatchObject({ reason: 'server-closed' });
    await c.closed;
  });
});
