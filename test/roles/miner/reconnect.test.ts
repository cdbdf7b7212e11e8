import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { MiningSetupFlags } from '../../../src/messages/mining.js';
import { ServerIdentity } from '../../../src/noise/server-identity.js';
import { Sv2Server } from '../../../src/net/server.js';
import { Miner } from '../../../src/roles/miner/miner.js';
import type { TestPool } from '../../support/pool.js';
import { nextEvent, startPool } from '../../support/miner.js';

/**
 * A pool front that is being drained: it completes SetupConnection as any pool of `authority`
 * would, then answers the channel request with Reconnect to `target()`. Our pool has no operator
 * command to send Reconnect, so this scripted peer (our real Sv2Server) stands in for it.
 */
async function drainingFront(authority: AuthorityKeyPair, target: () => number) {
  const server = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority }) });
  let setups = 0;
  server.on('connection', (conn) => {
    conn.on('message', (m) => {
      if (m.name === 'SetupConnection') {
        setups++;
        void conn.send('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
      }
      if (m.name === 'OpenStandardMiningChannel' || m.name === 'OpenExtendedMiningChannel') void conn.send('Reconnect', { newHost: '', newPort: target() });
    });
  });
  return { server, port: server.port, setups: () => setups };
}

const authority = AuthorityKeyPair.generate();
let poolA: TestPool;
let poolB: TestPool;

beforeAll(async () => {
  [poolA, poolB] = await Promise.all([startPool(authority), startPool(authority)]);
});
afterAll(async () => {
  await poolA?.close();
  await poolB?.close();
});

function sharesOf(p: TestPool, user: string): number {
  return p.pool.store.sharesByUser().find((u) => u.userIdentity === user)?.shares ?? 0;
}

describe('miner Reconnect and connection loss', () => {
  it('Reconnect moves it to another pool of the same authority; when that pool goes away it backs off, returns to its own URL and is moved on again', async () => {
    const portA = poolA.pool.port; // a closed pool no longer knows its port
    let target = portA;
    const front = await drainingFront(authority, () => target);
    const miner = Miner.start({ url: `stratum2+tcp://127.0.0.1:${front.port}/${authority.publicKey}`, user: 'erin', threads: 1, reconnectDelayMs: 20, maxReconnectDelayMs: 100 });
    try {
      const [moved] = await nextEvent(miner, 'reconnect');
      expect(moved).toMatchObject({ host: '127.0.0.1', port: portA });
      await nextEvent(miner, 'connected', (c) => c.port === portA);
      await nextEvent(miner, 'share-accepted');
      expect(sharesOf(poolA, 'erin')).toBeGreaterThan(0);

      // Pool A shuts down: the miner tries it again, then falls back to the URL it was given.
      target = poolB.pool.port;
      const lost = nextEvent(miner, 'disconnected');
      const refused = nextEvent(miner, 'connect-failed', (f) => f.port === portA);
      const home = nextEvent(miner, 'connected', (c) => c.port === front.port);
      await poolA.close();
      const [gone] = await lost;
      expect(gone.retryInMs).toBeGreaterThan(0);
      await refused;
      await home;
      await nextEvent(miner, 'connected', (c) => c.port === poolB.pool.port);
      await nextEvent(miner, 'share-accepted');
      expect(sharesOf(poolB, 'erin')).toBeGreaterThan(0);
      expect(front.setups()).toBe(2);
      expect(miner.stats().connects).toBe(4); // front, A, front, B
    } finally {
      await miner.close();
      await front.server.close();
    }
  });

  it('refuses a Reconnect target that cannot prove the same authority, and goes back to its pool', async () => {
    const impostor = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority: AuthorityKeyPair.generate() }) });
    let impostorMessages = 0;
    impostor.on('connection', (conn) => conn.on('message', () => impostorMessages++));
    const front = await drainingFront(authority, () => impostor.port);
    const miner = Miner.start({ url: `stratum2+tcp://127.0.0.1:${front.port}/${authority.publicKey}`, threads: 1, reconnectDelayMs: 20, maxReconnectDelayMs: 100 });
    try {
      const [failed] = await nextEvent(miner, 'connect-failed', (f) => f.port === impostor.port);
      expect(failed.reason).toMatch(/certificate|signature|authority/i);
      await nextEvent(miner, 'connected', (c) => c.port === front.port);
      expect(front.setups()).toBeGreaterThanOrEqual(1);
      expect(impostorMessages).toBe(0);
      expect(miner.stats().submitted).toBe(0);
    } finally {
      await miner.close();
      await front.server.close();
      await impostor.close();
    }
  });

  it('a SetupConnection refused for a flag is tried again without it', async () => {
    const server = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority }) });
    const flags: number[] = [];
    let secondSetup!: () => void;
    const setUpAgain = new Promise<void>((resolve) => (secondSetup = resolve));
    server.on('connection', (conn) =>
      conn.on('message', (m) => {
        if (m.name !== 'SetupConnection') return;
        flags.push(m.message.flags);
        if (flags.length === 1) {
          void conn.send('SetupConnectionError', { flags: MiningSetupFlags.RequiresVersionRolling, errorCode: 'unsupported-feature-flags' });
          void conn.close();
        } else {
          void conn.send('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
          secondSetup();
        }
      }),
    );
    const miner = Miner.start({ url: `stratum2+tcp://127.0.0.1:${server.port}/${authority.publicKey}`, threads: 1, reconnectDelayMs: 20 });
    try {
      const [notice] = await nextEvent(miner, 'notice');
      expect(notice).toMatch(/SetupConnection refused: unsupported-feature-flags/);
      await setUpAgain;
      expect(flags).toEqual([MiningSetupFlags.RequiresStandardJobs | MiningSetupFlags.RequiresVersionRolling, MiningSetupFlags.RequiresStandardJobs]);
    } finally {
      await miner.close();
      await server.close();
    }
  });

  it('a channel the pool closes is opened again on the same connection', async () => {
    const server = await Sv2Server.listen({ port: 0, identity: ServerIdentity.create({ authority }) });
    const opened: number[] = [];
    let reopened!: () => void;
    const second = new Promise<void>((resolve) => (reopened = resolve));
    server.on('connection', (conn) =>
      conn.on('message', (m) => {
        if (m.name === 'SetupConnection') void conn.send('SetupConnectionSuccess', { usedVersion: 2, flags: 0 });
        if (m.name !== 'OpenStandardMiningChannel') return;
        const channelId = opened.push(m.message.requestId);
        void conn.send('OpenStandardMiningChannelSuccess', { requestId: m.message.requestId, channelId, target: new Uint8Array(32).fill(0xff), extranoncePrefix: new Uint8Array(8), groupChannelId: 0 });
        if (channelId === 1) void conn.send('CloseChannel', { channelId, reasonCode: 'maintenance' });
        else reopened();
      }),
    );
    const miner = Miner.start({ url: `stratum2+tcp://127.0.0.1:${server.port}/${authority.publicKey}`, threads: 1, reconnectDelayMs: 20 });
    try {
      const [notice] = await nextEvent(miner, 'notice', (n) => n.includes('closed channel'));
      expect(notice).toMatch(/the pool closed channel 1: maintenance/);
      await second;
      expect(opened).toEqual([1, 2]); // two requests, one connection
      expect(miner.stats().connects).toBe(1);
    } finally {
      await miner.close();
      await server.close();
    }
  });
});
