import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Miner } from '../../../src/roles/miner/miner.js';
import {
  BIP320_VERSION_MASK,
  LineSplitter,
  SV1_ERROR,
  buildConfigureResult,
  buildError,
  buildNotify,
  buildReconnect,
  buildResult,
  buildSetDifficulty,
  buildSubscribeResult,
  difficultyToTarget,
  hashMeetsTarget,
  parseClientLine,
  sha256d,
  sv1ShareHeader,
} from '../../../src/sv1/index.js';
import type { Sv1Job, Sv1Share } from '../../../src/sv1/index.js';
import { nextEvent } from '../../support/miner.js';

interface Checked {
  share: Sv1Share;
  /** The share met every check (it may still have been refused on purpose). */
  valid: boolean;
  ok: boolean;
  difficulty: number;
}

/**
 * A small Sv1 pool from our sv1 builders over node:net: BIP310 version rolling with BIP320's
 * mask (what Sv1 pools grant), a fixed job, and every submit checked by rebuilding the header.
 * Every `rejectEvery`-th good share is refused anyway, to see refusals counted.
 */
class Sv1TestPool {
  readonly checked: Checked[] = [];
  readonly sockets = new Set<Socket>();
  difficulty = 0.00002; // ~86 000 hashes a share
  rejectEvery = 0;
  private good = 0;
  private nextExtranonce1 = 1;
  private readonly job: Sv1Job = {
    jobId: 'j1',
    prevHash: randomBytes(32),
    coinb1: randomBytes(42),
    coinb2: randomBytes(60),
    merkleBranches: [randomBytes(32), randomBytes(32)],
    version: 0x20000000,
    nbits: 0x1d00ffff, // a target no test meets: shares only
    ntime: Math.floor(Date.now() / 1000),
    cleanJobs: true,
  };
  private readonly extranonce1 = new Map<Socket, Uint8Array>();

  private constructor(readonly server: Server) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(): Promise<Sv1TestPool> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new Sv1TestPool(server);
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  broadcast(line: string): void {
    for (const s of this.sockets) s.write(line);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const extranonce1 = new Uint8Array([0xe1, 0, 0, this.nextExtranonce1++]);
    this.extranonce1.set(socket, extranonce1);
    const lines = new LineSplitter();
    socket.on('data', (chunk) => {
      for (const line of lines.push(chunk)) {
        const m = parseClientLine(line);
        switch (m.type) {
          case 'configure':
            socket.write(buildConfigureResult(m.id, { versionRolling: m.versionRolling ? { mask: BIP320_VERSION_MASK & m.versionRolling.mask } : false }));
            break;
          case 'subscribe':
            socket.write(buildSubscribeResult(m.id, { subscriptionId: 's1', extranonce1, extranonce2Size: 4 }));
            break;
          case 'authorize':
            socket.write(buildResult(m.id, true) + buildSetDifficulty(this.difficulty) + buildNotify(this.job));
            break;
          case 'submit':
            socket.write(this.check(m.id, m.share, extranonce1));
            break;
          default:
            if (m.type !== 'response') socket.write(buildError(m.id, SV1_ERROR.METHOD_NOT_FOUND, 'Method not found'));
        }
      }
    });
  }

  private check(id: number | string | null, share: Sv1Share, extranonce1: Uint8Array): string {
    const bitsOk = share.versionBits === null || (share.versionBits & ~BIP320_VERSION_MASK) === 0;
    const hash = sha256d(sv1ShareHeader(this.job, extranonce1, share, BIP320_VERSION_MASK));
    const valid = share.jobId === this.job.jobId && bitsOk && hashMeetsTarget(hash, difficultyToTarget(this.difficulty));
    if (valid) this.good++;
    const refuse = valid && this.rejectEvery > 0 && this.good % this.rejectEvery === 0;
    const ok = valid && !refuse;
    this.checked.push({ share, valid, ok, difficulty: this.difficulty });
    if (refuse) return buildError(id, SV1_ERROR.DUPLICATE_SHARE, 'Duplicate share');
    return ok ? buildResult(id, true) : buildError(id, SV1_ERROR.LOW_DIFFICULTY, 'Low difficulty share');
  }
}

const pools: Sv1TestPool[] = [];
const miners: Miner[] = [];
afterEach(async () => {
  await Promise.all(miners.splice(0).map((m) => m.close()));
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function sv1Pool(): Promise<Sv1TestPool> {
  const p = await Sv1TestPool.listen();
  pools.push(p);
  return p;
}

function startMiner(port: number, threads = 2): Miner {
  const m = Miner.start({ url: `stratum+tcp://127.0.0.1:${port}`, user: 'frank.rig1', threads, reconnectDelayMs: 20, maxReconnectDelayMs: 100 });
  miners.push(m);
  return m;
}

describe('CPU miner over Sv1', () => {
  it('subscribes, authorizes and mines with rolled version bits; the pool verifies every share; refusals are counted with their reason', async () => {
    const pool = await sv1Pool();
    pool.rejectEvery = 4;
    const miner = startMiner(pool.port);
    const [channel] = await nextEvent(miner, 'channel');
    expect(channel).toMatchObject({ kind: 'sv1', extranonceSize: 4 });
    // Two threads take different version-bit patterns: thread 1 submits rolled versions from the start.
    while (!pool.checked.some((c) => c.ok && (c.share.versionBits ?? 0) !== 0) || !pool.checked.some((c) => c.ok && c.share.versionBits === 0)) {
      await nextEvent(miner, 'share-accepted');
    }
    await nextEvent(miner, 'share-rejected');
    const stats = miner.stats();
    expect(pool.checked.every((c) => c.share.workerName === 'frank.rig1' && c.share.extranonce2.length === 4)).toBe(true);
    // Every share met the pool's checks; the only refusals are the ones it made on purpose.
    expect(pool.checked.every((c) => c.valid)).toBe(true);
    expect(stats.rejectReasons).toEqual({ 'Duplicate share (22)': stats.rejected });
    expect(stats.rejected).toBeLessThanOrEqual(pool.checked.filter((c) => !c.ok).length);
    expect(stats.accepted).toBeGreaterThanOrEqual(2);
    expect(stats.blocks).toBe(0);
  });

  it('a harder mining.set_difficulty applies to the work in hand; client.reconnect moves it to another pool', async () => {
    const first = await sv1Pool();
    const second = await sv1Pool();
    const miner = startMiner(first.port, 1);
    await nextEvent(miner, 'share-accepted');
    first.difficulty = 0.00006;
    first.broadcast(buildSetDifficulty(first.difficulty));
    const [target] = await nextEvent(miner, 'target');
    expect(target.difficulty).toBeCloseTo(0.00006, 9);
    const [share] = await nextEvent(miner, 'share-submitted');
    expect(hashMeetsTarget(share.hash, difficultyToTarget(0.00006))).toBe(true);
    await nextEvent(miner, 'share-accepted', (a) => a.id === share.id);

    first.broadcast(buildReconnect('127.0.0.1', second.port, 0));
    const [moved] = await nextEvent(miner, 'reconnect');
    expect(moved.port).toBe(second.port);
    await nextEvent(miner, 'connected', (c) => c.port === second.port);
    await nextEvent(miner, 'share-accepted');
    expect(second.checked.some((c) => c.ok)).toBe(true);
  });

  it('a lost connection is retried with backoff until the pool is back', async () => {
    const pool = await sv1Pool();
    const miner = startMiner(pool.port, 1);
    await nextEvent(miner, 'share-accepted');
    const lost = nextEvent(miner, 'disconnected');
    for (const s of pool.sockets) s.destroy();
    const [info] = await lost;
    expect(info.retryInMs).toBeGreaterThan(0);
    await nextEvent(miner, 'connected');
    await nextEvent(miner, 'share-accepted');
    expect(miner.stats().connects).toBe(2);
  });

  it('a pool that sends an endless line is cut off (memory stays bounded) and tried again later', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.write('{"id":1,"result":"' + 'x'.repeat(20_000));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const miner = startMiner((server.address() as { port: number }).port, 1);
    try {
      const [lost] = await nextEvent(miner, 'disconnected');
      expect(lost.reason).toMatch(/line longer than 16384 bytes/);
      await nextEvent(miner, 'connected');
      expect(miner.stats().connects).toBe(2);
    } finally {
      for (const s of sockets) s.destroy(); // this peer never answers a close
      await miner.close();
      server.close();
    }
  });
});
