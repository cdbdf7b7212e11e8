/**
 * Channel opens, profiled: `sv2 pool` in its own process under `--cpu-prof` (profile written to
 * `dir` when it stops); this process opens `channels` standard channels on each of `rounds`
 * connections (REQUIRES_STANDARD_JOBS, as the soak's channel flood does), waits for every channel's
 * SetNewPrevHash, then hangs up (the disconnect of a connection with channels is profiled too).
 * Prints the wall time per round and the pool's CPU per open (from /proc).
 *   npx tsx bench/profile/channel-open.ts [dir] [channels] [rounds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MiningSetupFlags } from '../../src/messages/mining.js';
import { connect } from '../../src/net/client.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';

const [dirArg, channelsArg, roundsArg] = process.argv.slice(2);
const dir = dirArg ?? mkdtempSync(path.join(tmpdir(), 'sv2-prof-'));
const channels = Number(channelsArg ?? 5000);
const rounds = Number(roundsArg ?? 4);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const authority = AuthorityKeyPair.generate();
const pool = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, '--import', 'tsx', MAIN, 'pool'], {
  env: {
    ...process.env,
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__ACCOUNTING_DB: path.join(mkdtempSync(path.join(tmpdir(), 'sv2-prof-pool-')), 'pool.sqlite'),
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    POOL__MAX_CHANNELS_PER_CONNECTION: String(channels),
    POOL__MAX_CHANNEL_OPENS_PER_SEC: process.env.OPENS_PER_SEC ?? '1000000',
    POOL__LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'pipe'],
});
let port = 0;
for await (const line of createInterface({ input: pool.stderr! })) {
  const m = /listening on [^:]+:(\d+)/.exec(line);
  if (m) {
    port = Number(m[1]);
    break;
  }
}
const cpuMs = (): number => {
  const f = readFileSync(`/proc/${pool.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};
for (let r = 0; r < rounds; r++) {
  const conn = await connect({ host: '127.0.0.1', port, authority: authority.publicKey.toString() });
  await conn.send('SetupConnection', { protocol: 0, minVersion: 2, maxVersion: 2, flags: MiningSetupFlags.RequiresStandardJobs, endpointHost: '', endpointPort: 0, vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '' });
  let tips = 0;
  const ready = new Promise<void>((resolve) => conn.on('message', (m) => m.name === 'SetNewPrevHash' && ++tips === channels && resolve()));
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let k = 0; k < channels; k++) void conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `bench.${k}`, nominalHashRate: 1, maxTarget: new Uint8Array(32).fill(0xff) });
  await ready;
  const openMs = performance.now() - t0;
  const openCpu = cpuMs() - c0;
  const c1 = cpuMs();
  await conn.close('round done');
  await new Promise((r) => setTimeout(r, 500));
  console.log(`round ${r}: ${channels} opens in ${openMs.toFixed(0)} ms, pool CPU ${((openCpu * 1000) / channels).toFixed(0)} µs per open; close + 500 ms: pool CPU ${(cpuMs() - c1).toFixed(0)} ms`);
}
pool.kill('SIGINT');
await new Promise((resolve) => pool.once('exit', resolve));
console.log(`profile of the pool in ${dir}`);
