/**
 * End to end over real sockets: Sv1 miners (the project's Sv1Client) → translator → the real pool
 * (Noise NX, SetupConnection, extended channels) → the embedded regtest chain.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMonitor } from '../../../src/monitor/server.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import type { RunningTranslator } from '../../../src/roles/translator/translator.js';
import { DEFAULT_BACKOFF } from '../../../src/roles/common/upstream-manager.js';
import { bytesToHex, difficultyToTarget } from '../../../src/sv1/index.js';
import { spawnRole } from '../../support/spawn-role.js';
import { SocketMiner } from '../../support/sv1-socket-miner.js';
import { startPool, startTestTranslator } from '../../support/translator-stack.js';
import type { RunningPool } from '../../support/translator-stack.js';

const authority = AuthorityKeyPair.generate();
const MINER_TARGET = difficultyToTarget(2 ** -24);

/** Mines and submits shares until the translator reports a block; returns the shares answered. */
async function mineUntilBlock(miner: SocketMiner, translator: RunningTranslator, maxShares = 400): Promise<number> {
  const start = translator.core.totals.blocksFound;
  for (let n = 1; n <= maxShares; n++) {
    // roll version bits under the granted mask, as ASICs do
    const versionBits = miner.model.client.versionMask === null ? undefined : ((n << 13) & miner.model.client.versionMask) >>> 0;
    const { line } = miner.model.findShare(MINER_TARGET, { versionBits });
    const answer = await miner.submit(line);
    expect(answer.type, JSON.stringify(answer)).toBe('share-accepted');
    if (translator.core.totals.blocksFound > start) return n;
  }
  throw new Error(`no block within ${maxShares} shares`);
}

describe.each([
  { mode: 'aggregated', aggregate: 'true' },
  { mode: 'non-aggregated', aggregate: 'false' },
])('translator end to end, $mode', ({ aggregate }) => {
  let pool: RunningPool;
  let translator: RunningTranslator;

  beforeAll(async () => {
    pool = await startPool(authority);
    translator = await startTestTranslator([{ port: pool.port, authority }], { TPROXY__AGGREGATE_CHANNELS: aggregate });
  });
  afterAll(async () => {
    await translator?.close();
    await pool?.pool.close();
  });

  it('two Sv1 miners mine through the translator: shares accepted by the pool, a block found and in the chain', async () => {
    const a = await SocketMiner.connect(translator.sv1Port, { username: 'acct.a', versionRolling: { mask: 0xffffffff } });
    const b = await SocketMiner.connect(translator.sv1Port, { username: 'acct.b' });
    expect((await a.until('configured')).versionRollingMask).toBe(0x1fffffe0);
    await a.until('job');
    await b.until('job');
    expect(bytesToHex(a.model.client.extranonce1!)).not.toBe(bytesToHex(b.model.client.extranonce1!));

    const height = pool.node.chain.height;
    const acknowledged = once(translator.core.events, 'upstream-accepted');
    const shares = await mineUntilBlock(a, translator);
    await acknowledged;
    expect(translator.core.totals.upstreamRejected).toEqual({});
    expect(shares).toBeGreaterThan(0);

    // the pool put the block on the chain and moved every miner to the next one
    const next = await b.until('job', (e) => e.job.cleanJobs && bytesToHex(e.job.prevHash) !== bytesToHex(a.model.events.filter((x) => x.type === 'job')[0]!.job.prevHash));
    expect(pool.node.chain.height).toBeGreaterThan(height);
    expect(bytesToHex(next.job.prevHash)).toBe(bytesToHex(pool.node.chain.tip.hash));
    const blocks = pool.pool.store.blocks();
    expect(blocks.at(-1)).toMatchObject({ userIdentity: 'tproxy-test', status: 'accepted' });

    // b mines on the new block too; the pool credits the translator's channel(s)
    await b.until('job');
    const more = once(translator.core.events, 'upstream-accepted');
    await mineUntilBlock(b, translator);
    await more;
    expect(translator.core.totals.upstreamAccepted).toBeGreaterThanOrEqual(2);
    const channels = [...translator.core.upstreamChannels];
    expect(channels).toHaveLength(aggregate === 'true' ? 1 : 2);

    // monitoring: SRI's paths and fields, paging, per-miner figures in /metrics
    const monitor = await startMonitor({ host: '127.0.0.1', port: 0, routes: translator.routes, registry: translator.registry });
    try {
      const get = async (p: string): Promise<Record<string, unknown>> => (await (await fetch(monitor.url + p)).json()) as Record<string, unknown>;
      const clients = (await get('/api/v1/sv1/clients')) as { total: number; items: Array<Record<string, unknown>> };
      expect(clients.total).toBe(2);
      const byName = Object.fromEntries(clients.items.map((c) => [c.sv1_username, c]));
      expect(byName['acct.a']).toMatchObject({ sv1_worker_name: 'a', version_rolling_mask: '1fffffe0', extranonce2_len: 4, shares_rejected: 0 });
      expect(byName['acct.a']!.shares_accepted as number).toBeGreaterThan(0);
      expect(byName['acct.a']!.hashrate as number).toBeGreaterThan(0);
      expect(((await get('/api/v1/sv1/clients?offset=1&limit=1')) as { items: unknown[] }).items).toHaveLength(1);
      expect(await get(`/api/v1/sv1/clients/${String(byName['acct.b']!.client_id)}`)).toMatchObject({ sv1_username: 'acct.b' });
      const global = await get('/api/v1/global');
      expect(global).toMatchObject({ sv1_clients: { total_clients: 2 }, server: { extended_channels: channels.length }, upstream: { connected: true } });
      // snake_case all the way down
      expect(JSON.stringify(global)).not.toMatch(/"[a-z]+[A-Z]\w*":/);
      expect((global as { shares: Record<string, unknown> }).shares).toMatchObject({ shares_accepted: translator.core.totals.sharesAccepted });
      const server = (await get('/api/v1/server/channels')) as { extended_channels: Array<Record<string, unknown>> };
      expect(server.extended_channels.reduce((n, c) => n + (c.shares_acknowledged as number), 0)).toBe(translator.core.totals.upstreamAccepted);
      const metrics = await (await fetch(monitor.url + '/metrics')).text();
      expect(metrics).toMatch(/^sv2_translator_sv1_client_hashrate\{client_id="\d+",worker="a"\} [1-9]/m);
      expect(metrics).toMatch(/^sv2_translator_sv1_client_shares_accepted_total\{client_id="\d+",worker="b"\} [1-9]/m);
      expect(metrics).toMatch(/^sv2_translator_blocks_found_total [1-9]/m);
      // every known rejection reason is a series from the start
      expect(metrics).toMatch(/^sv2_translator_sv1_shares_rejected_total\{reason="duplicate"\} 0$/m);
      expect(metrics).toMatch(/^sv2_translator_upstream_shares_rejected_total\{reason="stale-share"\} \d+$/m);
    } finally {
      await monitor.close();
    }
    a.close();
    b.close();
  });
});

describe('translator end to end: the pool goes away', () => {
  it('falls back to the second upstream without dropping the miner, and mining resumes there', async () => {
    const first = await startPool(authority);
    const second = await startPool(authority);
    const translator = await startTestTranslator([
      { port: first.port, authority },
      { port: second.port, authority },
    ]);
    try {
      const miner = await SocketMiner.connect(translator.sv1Port, { username: 'acct.fallback' });
      await miner.until('job');
      await mineUntilBlock(miner, translator);
      expect(translator.upstreams.status()).toMatchObject({ connected: true, index: 0 });

      // the first pool dies mid-run
      const reopened = once(translator.core.events, 'channel-opened');
      await first.pool.close();
      await reopened;
      expect(translator.upstreams.status()).toMatchObject({ connected: true, index: 1, connections: 2 });
      // a clean job from the second pool (its own chain), on the same connection
      const job = await miner.until('job', (e) => e.job.cleanJobs && bytesToHex(e.job.prevHash) === bytesToHex(second.node.chain.tip.hash));
      expect(job.job.prevHash).toEqual(second.node.chain.tip.hash);
      const height = second.node.chain.height;
      await mineUntilBlock(miner, translator);
      await miner.until('job', (e) => e.job.cleanJobs && bytesToHex(e.job.prevHash) !== bytesToHex(job.job.prevHash));
      expect(second.node.chain.height).toBeGreaterThan(height);
      expect(miner.isClosed).toBe(false);
      miner.close();
    } finally {
      await translator.close();
      await second.pool.close();
      await first.pool.close();
    }
  });

  it('a pool process killed with SIGKILL while a miner mines: the translator falls back and the miner never notices', async () => {
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'sv2-tproxy-kill-')), 'pool.sqlite');
    const doomed = spawnRole(['pool'], {
      POOL__LISTEN_ADDRESS: '127.0.0.1:0',
      POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
      POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
      POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
      POOL__SHARE_BATCH_SIZE: '1',
      POOL__ACCOUNTING_DB: db,
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '2',
    });
    const backup = await startPool(authority);
    let translator: RunningTranslator | undefined;
    try {
      const port = Number((await doomed.waitFor(/listening on [^:]+:(\d+)/))[1]);
      translator = await startTestTranslator([
        { port, authority },
        { port: backup.port, authority },
      ]);
      const miner = await SocketMiner.connect(translator.sv1Port, { username: 'acct.killed', versionRolling: { mask: 0x1fffe000 } });
      await miner.until('job');
      await mineUntilBlock(miner, translator);
      const reopened = once(translator.core.events, 'channel-opened');
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      await reopened;
      await miner.until('job', (e) => e.job.cleanJobs && bytesToHex(e.job.prevHash) === bytesToHex(backup.node.chain.tip.hash));
      const height = backup.node.chain.height;
      await mineUntilBlock(miner, translator);
      await miner.until('job', (e) => e.job.cleanJobs && backup.node.chain.height > height);
      expect(translator.upstreams.status()).toMatchObject({ connected: true, index: 1 });
      expect(miner.isClosed).toBe(false);
      miner.close();
    } finally {
      doomed.child.kill('SIGKILL');
      await translator?.close();
      await backup.pool.close();
    }
  });

  it('keeps miners connected while no pool is reachable, answering their shares honestly', async () => {
    const pool = await startPool(authority);
    const translator = await startTestTranslator([{ port: pool.port, authority }], { TPROXY__DOWNSTREAM_DIFFICULTY_CONFIG__JOB_KEEPALIVE_INTERVAL_SECS: '1' }, { tickMs: 50 });
    try {
      const miner = await SocketMiner.connect(translator.sv1Port, { username: 'acct.outage' });
      await miner.until('job');
      await pool.pool.close();
      // keep-alive: the same work again under a new job id, not clean
      const kept = await miner.until('job', (e) => !e.job.cleanJobs);
      expect(translator.upstreams.status().connected).toBe(false);
      const share = miner.model.findShare(MINER_TARGET, { job: kept.job });
      const answer = await miner.submit(share.line);
      expect(answer).toMatchObject({ type: 'share-rejected', error: { message: expect.stringContaining('Upstream pool unavailable') } });
      expect(miner.isClosed).toBe(false);
      miner.close();
    } finally {
      await translator.close();
    }
  });
});

describe('translator end to end: a pool that comes back', () => {
  it('is found again within a couple of seconds while miners wait, however long it was gone (default backoff)', async () => {
    let pool = await startPool(authority);
    const port = pool.port;
    const translator = await startTestTranslator([{ port, authority }], {}, { backoff: DEFAULT_BACKOFF });
    try {
      const miner = await SocketMiner.connect(translator.sv1Port, { username: 'acct.waiting' });
      await miner.until('job');
      await pool.pool.close();
      // Long enough that a doubling backoff would now pause 8 s (1 + 2 + 4 s of failed rounds).
      await vi.waitFor(() => expect(translator.upstreams.status().failures).toBeGreaterThanOrEqual(4), { timeout: 15_000, interval: 100 });
      pool = await startPool(authority, { POOL__LISTEN_ADDRESS: `127.0.0.1:${port}` });
      const back = performance.now();
      await vi.waitFor(() => expect(translator.upstreams.status().connected).toBe(true), { timeout: 10_000, interval: 50 });
      expect(performance.now() - back).toBeLessThan(3_000);
      await miner.until('job', (e) => e.job.cleanJobs);
      expect(miner.isClosed).toBe(false);
      miner.close();
    } finally {
      await translator.close();
      await pool.pool.close();
    }
  }, 30_000);
});

describe('translator end to end: misbehaving miners', () => {
  it('bad JSON, an oversized line and a miner that never reads are each cut off; a good miner is unaffected', async () => {
    const pool = await startPool(authority);
    const translator = await startTestTranslator([{ port: pool.port, authority }], {}, { sv1Limits: { maxWriteBufferBytes: 64 * 1024, maxBadLines: 5 } });
    const cut = (): Promise<string> => once(translator.sv1.events, 'disconnect').then(([, reason]) => reason as string);
    try {
      const good = await SocketMiner.connect(translator.sv1Port, { username: 'acct.good' });
      await good.until('job');

      const garbage = await SocketMiner.connect(translator.sv1Port, {}, false);
      let closed = cut();
      garbage.write('{"id":1,"method":"mining.subscribe","params":[]}\n' + 'not json at all\n'.repeat(5));
      expect(await closed).toBe('bad-lines');
      await garbage.closed;

      const huge = await SocketMiner.connect(translator.sv1Port, {}, false);
      closed = cut();
      huge.write('{"id":1,"method":"mining.subscribe","params":["' + 'x'.repeat(20_000));
      expect(await closed).toBe('line-too-long');
      await huge.closed;

      const sleeper = await SocketMiner.connect(translator.sv1Port, { username: 'acct.sleeper' });
      await sleeper.until('job');
      sleeper.socket.pause(); // from now on it never reads
      closed = cut();
      const request = '{"id":7,"method":"mining.subscribe","params":["sleepy"]}\n';
      for (let i = 0; i < 200 && !sleeper.isClosed && translator.core.minerCount > 1; i++) {
        if (!sleeper.socket.write(request.repeat(500))) await new Promise((resolve) => sleeper.socket.once('drain', resolve).once('close', resolve));
      }
      expect(await closed).toBe('write-buffer-full');

      // the good miner never noticed
      expect(good.isClosed).toBe(false);
      const share = good.model.findShare(MINER_TARGET);
      expect((await good.submit(share.line)).type).toBe('share-accepted');
      expect(translator.core.minerCount).toBe(1);
      good.close();
    } finally {
      await translator.close();
      await pool.pool.close();
    }
  });
});
