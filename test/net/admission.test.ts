import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect } from '../../src/net/client.js';
import { encodeFrame } from '../../src/messages/index.js';
import type { CloseInfo, Connection } from '../../src/net/connection.js';
import { Sv2Server, type RefusedReason } from '../../src/net/server.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { ServerIdentity } from '../../src/noise/server-identity.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function listen(opts: Partial<Parameters<typeof Sv2Server.listen>[0]>) {
  const server = await Sv2Server.listen({ port: 0, plaintext: true, ...opts } as Parameters<typeof Sv2Server.listen>[0]);
  cleanup.push(() => server.close());
  const refused: RefusedReason[] = [];
  server.on('refused', (r) => refused.push(r));
  return { server, refused };
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => resolve(s));
    cleanup.push(() => s.destroy());
  });
}

const closedOf = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));

describe('admission limits', () => {
  it('refuses an address its connections beyond max_connections_per_ip, and admits it again once one leaves', async () => {
    const { server, refused } = await listen({ maxConnectionsPerIp: 2 });
    const accepted: Connection[] = [];
    server.on('connection', (c) => accepted.push(c));
    const a = await connect({ host: '127.0.0.1', port: server.port, plaintext: true });
    const b = await connect({ host: '127.0.0.1', port: server.port, plaintext: true });
    const third = await rawSocket(server.port);
    await closedOf(third);
    expect(refused).toEqual(['per-ip-limit']);
    await a.close('make room');
    await expect.poll(() => accepted.filter((c) => c.isOpen).length).toBe(1);
    const c = await connect({ host: '127.0.0.1', port: server.port, plaintext: true });
    expect(c.isOpen).toBe(true);
    expect(refused).toEqual(['per-ip-limit']);
    await b.close('done');
    await c.close('done');
  });

  it('drops handshakes beyond max_handshakes_per_sec before doing any cryptography', async () => {
    const authority = AuthorityKeyPair.generate();
    const { server, refused } = await listen({ plaintext: false, identity: ServerIdentity.create({ authority }), maxHandshakesPerSecond: 2 } as never);
    const sockets = await Promise.all(Array.from({ length: 6 }, () => rawSocket(server.port)));
    // Refused ones are closed by the server at once; the admitted wait for an act 1 that never comes.
    await expect.poll(() => refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.every((r) => r === 'handshake-rate')).toBe(true);
    expect(sockets.filter((s) => !s.destroyed && s.readyState === 'open').length).toBeLessThanOrEqual(3);
    // Tokens come back with time: an honest client gets in a moment later.
    const ok = await vi.waitFor(() => connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey.toString() }), { timeout: 3_000, interval: 100 });
    expect(ok.encrypted).toBe(true);
    await ok.close('done');
  });

  it('one address flooding handshakes is held to its own rate; another address still gets in', async () => {
    const authority = AuthorityKeyPair.generate();
    const { server, refused } = await listen({ plaintext: false, identity: ServerIdentity.create({ authority }), maxHandshakesPerSecond: 100, maxHandshakesPerSecondPerIp: 2 } as never);
    await Promise.all(Array.from({ length: 6 }, () => rawSocket(server.port)));
    await expect.poll(() => refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.every((r) => r === 'handshake-rate-per-ip')).toBe(true);
    // Linux routes all of 127.0.0.0/8 to loopback: a second address, with its own bucket.
    const other = await connect({ host: '127.0.0.1', port: server.port, authority: authority.publicKey.toString(), localAddress: '127.0.0.2' });
    expect(other.encrypted).toBe(true);
    await other.close('done');
  });

  it('cuts a peer that begins a frame and never finishes it, and not one that sends whole frames', async () => {
    const { server } = await listen({ frameTimeoutMs: 300 });
    const closes: CloseInfo[] = [];
    server.on('connection', (c) => c.on('close', (i) => closes.push(i)));
    const honest = await connect({ host: '127.0.0.1', port: server.port, plaintext: true });
    const pinner = await rawSocket(server.port);
    // A header announcing a 1 000-byte payload, then 10 bytes of it.
    pinner.write(Uint8Array.of(0, 0, 0x00, 0xe8, 0x03, 0x00, ...new Uint8Array(10)));
    for (let i = 0; i < 5; i++) {
      await honest.send('SetupConnectionSuccess', { usedVersion: 2, flags: i });
      await new Promise((r) => setTimeout(r, 100));
    }
    await expect.poll(() => closes.length, { timeout: 2_000 }).toBe(1);
    expect(closes[0]!.error).toMatchObject({ code: 'SV2_ERR_FRAME_TIMEOUT' });
    expect(honest.isOpen).toBe(true);
    await honest.close('done');
  });
});

describe('fairness', () => {
  it('takes a big burst from one peer a slice per turn, in order, so other peers get the loop between slices', async () => {
    const { server } = await listen({ maxBytesPerTurn: 4096 });
    const got: number[] = [];
    let atFirstTurnEnd: number | undefined;
    server.on('connection', (c) =>
      c.on('message', (m) => {
        if (m.name !== 'SetupConnectionSuccess') return;
        if (got.length === 0) setImmediate(() => (atFirstTurnEnd = got.length));
        got.push(m.message.flags);
      }),
    );
    const frames = Array.from({ length: 3000 }, (_, i) => encodeFrame('SetupConnectionSuccess', { usedVersion: 2, flags: i }));
    const burst = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    frames.reduce((at, f) => (burst.set(f, at), at + f.length), 0);
    const s = await rawSocket(server.port);
    s.write(burst);
    await expect.poll(() => got.length).toBe(3000);
    expect(got).toEqual(frames.map((_, i) => i));
    // 4 KiB of 12-byte frames is ~341 a turn: never the whole 36 KB burst in one.
    expect(atFirstTurnEnd).toBeLessThanOrEqual(342);
  });
});
