import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Sv1Server } from '../../src/net/sv1-server.js';
import { Sv2Server } from '../../src/net/server.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function penalizedServer(refusedHoldMs: number, maxRefusedHeld = 1024) {
  const server = await Sv2Server.listen({ port: 0, plaintext: true, abusePenaltyMaxMs: 60_000, refusedHoldMs, maxRefusedHeld });
  cleanup.push(() => server.close());
  server.penalize('127.0.0.2');
  let refused = 0;
  server.on('refused', () => refused++);
  return { server, refusals: () => refused };
}

/** Connects from 127.0.0.2 and resolves with how long the server kept the socket open. */
function heldFor(port: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const s: Socket = createConnection({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    s.on('error', () => undefined);
    s.on('close', () => resolve(performance.now() - started));
    cleanup.push(() => s.destroy());
  });
}

/** `loops` clients reconnecting as soon as they are dropped, for `ms`; resolves when they stop. */
async function reconnectLoops(port: number, loops: number, ms: number): Promise<void> {
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < until) await heldFor(port);
    }),
  );
}

describe('refused connections are held before they are closed', () => {
  it('a reconnect loop against a refusing listener costs a few refusals, not hundreds', async () => {
    const held = await penalizedServer(250);
    await reconnectLoops(held.server.port, 4, 600);
    // 4 loops × (600 ms / 250 ms hold) rounds, and the last round's.
    expect(held.refusals()).toBeLessThanOrEqual(4 * 4);
    // The same loop against a listener that closes at once: every connect is a refusal.
    const immediate = await penalizedServer(0);
    await reconnectLoops(immediate.server.port, 4, 600);
    expect(immediate.refusals()).toBeGreaterThan(100);
  });

  it('closes a held socket once its hold is up, unread', async () => {
    const { server } = await penalizedServer(300);
    const ms = await heldFor(server.port);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(3_000);
  });

  it('holds at most max_refused_held at once; the rest are closed at once', async () => {
    const { server } = await penalizedServer(60_000, 3);
    const closed: number[] = [];
    const times = Array.from({ length: 5 }, () => heldFor(server.port).then((t) => void closed.push(t)));
    // Two beyond the cap close at once; the three held stay until the server closes.
    await expect.poll(() => closed.length, { timeout: 5_000 }).toBe(2);
    expect(closed.every((t) => t < 1_000)).toBe(true);
    await server.close();
    await Promise.all(times);
    expect(closed.length).toBe(5);
    expect(closed.every((t) => t < 10_000)).toBe(true); // none waited out its 60 s hold
  });

  it('the Sv1 listener holds the miners it refuses too', async () => {
    const server = await Sv1Server.listen({ host: '127.0.0.1', port: 0, limits: { maxConnectionsPerIp: 1, refusedHoldMs: 300 }, onConnection: (c) => c.setHandler({ onMessage: () => undefined, onClose: () => undefined }) });
    cleanup.push(() => server.close());
    const first = createConnection({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2' });
    cleanup.push(() => first.destroy());
    await new Promise((r) => first.once('connect', r));
    const held = heldFor(server.port);
    await expect.poll(() => server.refusedHeld).toBe(1);
    const ms = await held;
    expect(server.refused).toBe(1);
    expect(server.refusedHeld).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(280);
  });
});
