/**
 * The pool under load, measured as it runs in production: `sv2 pool` in its own process (its CPU
 * and memory read from its Prometheus endpoint), miners in another.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MiningSetupFlags } from '../src/messages/mining.js';
import { connect } from '../src/net/client.js';
import type { Connection } from '../src/net/connection.js';
import { loadSodium } from '../src/host/sodium-aead.js';
import { AuthorityKeyPair } from '../src/noise/authority-key.js';
import { silentLogger } from '../src/roles/common/logger.js';
import { loadPoolConfig } from '../src/roles/pool/config.js';
import { templateFeedFor } from '../src/roles/pool/feeds.js';
import { Pool } from '../src/roles/pool/pool.js';
import { median, SplitMiners, type TipSample } from './fanout-split.js';
import type { BenchResult } from './harness.js';

const CLIENTS = new URL('./pool-clients.ts', import.meta.url).pathname;
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;

function lines(args: string[], env?: NodeJS.ProcessEnv, stream: 'stdout' | 'stderr' = 'stdout') {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child[stream === 'stdout' ? 'stderr' : 'stdout']!.pipe(process.stderr);
  const it = createInterface({ input: child[stream]! })[Symbol.asyncIterator]();
  return {
    child,
    async next(): Promise<string> {
      const r = await it.next();
      if (r.done) throw new Error(`${path.basename(args[0]!)} exited early`);
      return r.value;
    },
  };
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z0-9_:]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const BENCH_LIMITS = { POOL__MAX_HANDSHAKES_PER_SEC: '100000', POOL__MAX_HANDSHAKES_PER_SEC_PER_IP: '100000' };

const cpu = (m: Map<string, number>): number => m.get('process_cpu_seconds_total') ?? NaN;

export default async function poolSuite(): Promise<BenchResult[]> {
  const authority = AuthorityKeyPair.generate();
  const key = authority.publicKey.toString();
  const pool = lines([MAIN, 'pool'], {
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__MONITORING_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: key,
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__ACCOUNTING_DB: path.join(mkdtempSync(path.join(tmpdir(), 'sv2-bench-pool-')), 'pool.sqlite'),
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    // The load sends far more shares per channel on one block than a pool allows by default.
    POOL__MAX_SHARES_PER_BLOCK: String(1 << 22),
    // PPLNS accounting on (the default): users, workers and totals per commit, the window in memory.
    POOL__PAYOUT_SCHEME: 'pplns',
    // All the bench's miners connect from one address at once, beyond the per-address handshake limit.
    ...BENCH_LIMITS,
    SV2_LOG_LEVEL: 'warn',
  }, 'stderr');
  let listening = '';
  while (!/listening on/.test(listening)) listening = await pool.next();
  const port = /listening on [^:]+:(\d+)/.exec(listening)![1]!;
  const monitor = /monitoring on (\S+)/.exec(listening)![1]!;
  const results: BenchResult[] = [];
  try {
    // 1. Shares through the whole path: socket, Noise, decode, validation, SQLite commit, ack.
    {
      const c = lines([CLIENTS, port, key, 'load', '8', '4', '5']);
      await c.next();
      const m0 = await metrics(monitor);
      const t0 = process.hrtime.bigint();
      const { acked } = JSON.parse(await c.next()) as { acked: number };
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const m1 = await metrics(monitor);
      const accepted = (m1.get('sv2_pool_shares_accepted_total') ?? 0) - (m0.get('sv2_pool_shares_accepted_total') ?? 0);
      const cpuSeconds = cpu(m1) - cpu(m0);
      const perCore = accepted / cpuSeconds;
      results.push({
        suite: 'pool', name: 'shares accepted per CPU-second of the pool process (32 channels, Noise, SQLite, PPLNS accounting)', nsPerOp: 1e9 / perCore, opsPerSec: perCore,
        extra: { accepted, acked, wallSeconds: wall.toFixed(1), poolCpuSeconds: cpuSeconds.toFixed(2) },
      });
    }
  } finally {
    pool.child.kill('SIGINT');
  }
  // BENCH_POOL_SHARES_ONLY=1: only the share path above (for alternating before/after runs).
  if (process.env.BENCH_POOL_SHARES_ONLY !== '1') results.push(...(await inProcess(authority)));
  return results;
}

function heap(): number {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function openChannels(port: number, authority: AuthorityKeyPair, connections: number, perConnection: number, group = false): Promise<Connection[]> {
  const conns: Connection[] = [];
  for (let i = 0; i < connections; i++) {
    const conn = await connect({ host: '127.0.0.1', port, authority: authority.publicKey.toString() });
    // Without REQUIRES_STANDARD_JOBS the pool puts a connection's standard channels in one group.
    const flags = group ? 0 : MiningSetupFlags.RequiresStandardJobs;
    await conn.send('SetupConnection', { protocol: 0, minVersion: 2, maxVersion: 2, flags, endpointHost: '', endpointPort: 0, vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '' });
    let opened = 0;
    const ready = new Promise<void>((resolve) =>
      conn.on('message', (m) => {
        if (m.name === 'SetNewPrevHash' && ++opened === perConnection) resolve();
      }),
    );
    for (let k = 0; k < perConnection; k++) await conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `c${i}.${k}`, nominalHashRate: 1e3, maxTarget: new Uint8Array(32).fill(0xff) });
    await ready;
    conn.removeAllListeners('message');
    conns.push(conn);
  }
  return conns;
}

/** Median over `rounds` new blocks of the time until every channel holds its SetNewPrevHash (a group's counts for all its members). */
async function fanout(conns: Connection[], perConnection: number, group: boolean, mine: () => void, rounds = 5): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let left = conns.length * perConnection;
    const reached = group ? perConnection : 1;
    const listeners: ((m: { name: string }) => void)[] = [];
    const done = new Promise<void>((resolve) => {
      for (const conn of conns) {
        const on = (m: { name: string }): void => {
          if (m.name === 'SetNewPrevHash' && (left -= reached) === 0) resolve();
        };
        conn.on('message', on);
        listeners.push(on);
      }
    });
    const t0 = process.hrtime.bigint();
    mine();
    await done;
    samples.push(Number(process.hrtime.bigint() - t0));
    conns.forEach((c, i) => c.off('message', listeners[i]!));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/**
 * Pool and miners in this process (with --expose-gc, so memory is measured after collection).
 * Every figure includes the miners' side too (their Noise sessions, buffers and decryption), so
 * each is an upper bound on the pool's own cost.
 */
async function inProcess(authority: AuthorityKeyPair): Promise<BenchResult[]> {
  const cfg = loadPoolConfig(undefined, {
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__ACCOUNTING_DB: ':memory:',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    ...BENCH_LIMITS,
  });
  const { feed, node } = await templateFeedFor(cfg, silentLogger());
  const pool = await Pool.start({ config: cfg, feed });
  const results: BenchResult[] = [];
  try {
    // libsodium's AEAD (~10 MB, once per process, loaded on first use) before the first reading:
    // it is no channel's memory.
    if (!(await loadSodium())) throw new Error('libsodium did not load');
    const h0 = heap();
    const conns = await openChannels(pool.port, authority, 10, 100);
    const h1 = heap();
    results.push({ suite: 'pool', name: 'memory per idle channel, 10 connections × 100 channels (pool + miner side)', nsPerOp: 0, opsPerSec: 0, extra: { bytes: Math.round((h1 - h0) / 1000) } });
    const mine = (): void => void node!.chain.generate(1, new Uint8Array([0x51]));
    const perChannel = await fanout(conns, 100, false, mine);
    results.push({ suite: 'pool', name: 'new block → last of 1 000 channels has its SetNewPrevHash (pool + miners in one process)', nsPerOp: perChannel, opsPerSec: 1e9 / perChannel, extra: { jobs: 'per channel' } });
    await Promise.all(conns.map((c) => c.close()));
    const h2 = heap();
    const single = await openChannels(pool.port, authority, 300, 1);
    const h3 = heap();
    results.push({ suite: 'pool', name: 'memory per idle connection with one channel, 300 connections (pool + miner side)', nsPerOp: 0, opsPerSec: 0, extra: { bytes: Math.round((h3 - h2) / 300) } });
    await Promise.all(single.map((c) => c.close()));
    // The same new block for channels grouped per connection (one broadcast each), and at 10 000 channels.
    for (const [connections, group] of [[10, true], [100, true], [100, false]] as const) {
      const opened = await openChannels(pool.port, authority, connections, 100, group);
      const ns = await fanout(opened, 100, group, mine, group ? 9 : 5);
      const count = (connections * 100).toLocaleString('en-US').replace(',', ' ');
      results.push({
        suite: 'pool', name: `new block → last of ${count} channels has its SetNewPrevHash, ${group ? 'grouped' : 'per channel'} (pool + miners)`, nsPerOp: ns, opsPerSec: 1e9 / ns,
        extra: { jobs: group ? `one broadcast per connection (${connections})` : 'per channel' },
      });
      await Promise.all(opened.map((c) => c.close()));
    }
    // The same with the miners in another process: on one clock, and the pool process's CPU alone.
    for (const [connections, group] of [[10, false], [10, true], [100, false], [100, true]] as const) {
      const miners = await SplitMiners.start(pool.port, authority.publicKey.toString(), connections, 100, group);
      const samples: TipSample[] = [];
      for (let round = 0; round < 9; round++) samples.push(await miners.tip(mine));
      await miners.close();
      const ms = median(samples.map((s) => s.ms));
      const count = (connections * 100).toLocaleString('en-US').replace(',', ' ');
      results.push({
        suite: 'pool', name: `new block → last of ${count} channels has its SetNewPrevHash, ${group ? 'grouped' : 'per channel'} (miners in another process)`, nsPerOp: ms * 1e6, opsPerSec: 1e3 / ms,
        extra: {
          poolCpuMsPerBlock: median(samples.map((s) => s.poolCpuMs)).toFixed(2),
          minersCpuMs: median(samples.map((s) => s.minerCpuMs)).toFixed(2),
        },
      });
    }
    return results;
  } finally {
    await pool.close();
  }
}
