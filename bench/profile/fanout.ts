/**
 * New blocks reaching many standard channels, to measure and profile:
 *   npx tsx bench/profile/fanout.ts [connections] [channelsPerConnection] [blocks] [standard|group] [inproc|split|both]
 * standard: every channel its own jobs (REQUIRES_STANDARD_JOBS); group: one broadcast per connection.
 * inproc: the miners in this process (every figure then includes their decryption and decoding);
 * split: the miners in a child process (bench/fanout-miners.ts), the time on one clock from the
 * new tip to the last SetNewPrevHash received, and this (the pool's) process's CPU alone. Default: both.
 * Prints the median and best time and the CPU per block. FANOUT_PROFILE=<file.cpuprofile> writes a
 * CPU profile (100 µs sampling) of the blocks alone, without the setup: with `split`, of the pool alone.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { MiningSetupFlags } from '../../src/messages/mining.js';
import { connect } from '../../src/net/client.js';
import type { Connection } from '../../src/net/connection.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { silentLogger } from '../../src/roles/common/logger.js';
import { loadPoolConfig } from '../../src/roles/pool/config.js';
import { templateFeedFor } from '../../src/roles/pool/feeds.js';
import { Pool } from '../../src/roles/pool/pool.js';
import { median, SplitMiners, type TipSample } from '../fanout-split.js';

const [connsArg, perArg, blocksArg, modeArg, placeArg] = process.argv.slice(2);
const mode = modeArg ?? 'standard';
const place = placeArg ?? 'both';
const connections = Number(connsArg ?? 10);
const perConnection = Number(perArg ?? 100);
const blocks = Number(blocksArg ?? 20);
const group = mode === 'group';
const authority = AuthorityKeyPair.generate();
const cfg = loadPoolConfig(undefined, {
  POOL__LISTEN_ADDRESS: '127.0.0.1:0',
  POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
  POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
  POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
  POOL__ACCOUNTING_DB: ':memory:',
  POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
  POOL__MAX_HANDSHAKES_PER_SEC: '100000',
  POOL__MAX_HANDSHAKES_PER_SEC_PER_IP: '100000',
});
const { feed, node } = await templateFeedFor(cfg, silentLogger());
const pool = await Pool.start({ config: cfg, feed });
const mine = (): void => void node!.chain.generate(1, new Uint8Array([0x51]));
const channels = connections * perConnection;
const profileFile = process.env.FANOUT_PROFILE;

/** Runs `body` under the inspector's CPU profiler when FANOUT_PROFILE is set. */
async function profiled(suffix: string, body: () => Promise<void>): Promise<void> {
  if (profileFile === undefined) return body();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await body();
  const { profile } = await session.post('Profiler.stop');
  const file = place === 'both' ? profileFile.replace(/(\.cpuprofile)?$/, `.${suffix}.cpuprofile`) : profileFile;
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
}

async function inProcess(): Promise<void> {
  const conns: Connection[] = [];
  for (let i = 0; i < connections; i++) {
    const conn = await connect({ host: '127.0.0.1', port: pool.port, authority: authority.publicKey.toString() });
    await conn.send('SetupConnection', { protocol: 0, minVersion: 2, maxVersion: 2, flags: group ? 0 : MiningSetupFlags.RequiresStandardJobs, endpointHost: '', endpointPort: 0, vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '' });
    let opened = 0;
    const ready = new Promise<void>((resolve) => conn.on('message', (m) => m.name === 'SetNewPrevHash' && ++opened === perConnection && resolve()));
    for (let k = 0; k < perConnection; k++) await conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `c${i}.${k}`, nominalHashRate: 1e3, maxTarget: new Uint8Array(32).fill(0xff) });
    await ready;
    conn.removeAllListeners('message');
    conns.push(conn);
  }
  const ms: number[] = [];
  const cpuMs: number[] = [];
  await profiled('inproc', async () => {
    for (let b = 0; b < blocks; b++) {
      let left = channels;
      const done = new Promise<void>((resolve) => {
        // A group's SetNewPrevHash reaches all of the connection's channels at once.
        const reached = group ? perConnection : 1;
        for (const conn of conns) conn.on('message', (m) => m.name === 'SetNewPrevHash' && (left -= reached) === 0 && resolve());
      });
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      mine();
      await done;
      ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuMs.push((c.user + c.system) / 1000);
      for (const conn of conns) conn.removeAllListeners('message');
    }
  });
  // CPU time (this process: pool and miners) is steadier than wall time on a shared machine.
  console.log(
    `${channels} channels ${mode}, miners in this process: median ${median(ms).toFixed(1)} ms, min ${ms[0]!.toFixed(1)} ms; ` +
      `CPU per block (pool + miners) median ${median(cpuMs).toFixed(1)} ms`,
  );
  await Promise.all(conns.map((c) => c.close()));
}

async function split(): Promise<void> {
  const miners = await SplitMiners.start(pool.port, authority.publicKey.toString(), connections, perConnection, group);
  const samples: TipSample[] = [];
  await profiled('split', async () => {
    for (let b = 0; b < blocks; b++) samples.push(await miners.tip(mine));
  });
  const ms = samples.map((s) => s.ms);
  console.log(
    `${channels} channels ${mode}, miners in another process: median ${median(ms).toFixed(1)} ms, min ${ms[0]!.toFixed(1)} ms (first channel ${median(samples.map((s) => s.firstMs)).toFixed(1)} ms); ` +
      `pool CPU per block median ${median(samples.map((s) => s.poolCpuMs)).toFixed(1)} ms (of which the chain's generate ${median(samples.map((s) => s.mineCpuMs)).toFixed(1)} ms), ` +
      `miners' CPU ${median(samples.map((s) => s.minerCpuMs)).toFixed(1)} ms`,
  );
  await miners.close();
}

if (place !== 'split') await inProcess();
if (place !== 'inproc') await split();
await pool.close();
