/**
 * New blocks reaching many standard channels, pool and miners in this process, to profile
 * (`node --cpu-prof --import tsx bench/profile/fanout.ts [connections] [channelsPerConnection] [blocks] [standard|group]`).
 * Prints the time until the last channel has its SetNewPrevHash (median, best) and the process's CPU per block.
 */
import { MiningSetupFlags } from '../../src/messages/mining.js';
import { connect } from '../../src/net/client.js';
import type { Connection } from '../../src/net/connection.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { silentLogger } from '../../src/roles/common/logger.js';
import { loadPoolConfig } from '../../src/roles/pool/config.js';
import { templateFeedFor } from '../../src/roles/pool/feeds.js';
import { Pool } from '../../src/roles/pool/pool.js';

const [connsArg, perArg, blocksArg, modeArg] = process.argv.slice(2);
/** 'standard': every channel its own jobs (REQUIRES_STANDARD_JOBS); 'group': one broadcast per connection. */
const mode = modeArg ?? 'standard';
const connections = Number(connsArg ?? 10);
const perConnection = Number(perArg ?? 100);
const blocks = Number(blocksArg ?? 20);
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
const conns: Connection[] = [];
for (let i = 0; i < connections; i++) {
  const conn = await connect({ host: '127.0.0.1', port: pool.port, authority: authority.publicKey.toString() });
  await conn.send('SetupConnection', { protocol: 0, minVersion: 2, maxVersion: 2, flags: mode === 'group' ? 0 : MiningSetupFlags.RequiresStandardJobs, endpointHost: '', endpointPort: 0, vendor: 'bench', hardwareVersion: '', firmware: '', deviceId: '' });
  let opened = 0;
  const ready = new Promise<void>((resolve) => conn.on('message', (m) => m.name === 'SetNewPrevHash' && ++opened === perConnection && resolve()));
  for (let k = 0; k < perConnection; k++) await conn.send('OpenStandardMiningChannel', { requestId: k, userIdentity: `c${i}.${k}`, nominalHashRate: 1e3, maxTarget: new Uint8Array(32).fill(0xff) });
  await ready;
  conns.push(conn);
}
const ms: number[] = [];
const cpuMs: number[] = [];
for (let b = 0; b < blocks; b++) {
  let left = connections * perConnection;
  const done = new Promise<void>((resolve) => {
    // A group's SetNewPrevHash reaches all of the connection's channels at once.
    const reached = mode === 'group' ? perConnection : 1;
    for (const conn of conns) conn.on('message', (m) => m.name === 'SetNewPrevHash' && (left -= reached) === 0 && resolve());
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  node!.chain.generate(1, new Uint8Array([0x51]));
  await done;
  ms.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpuMs.push((c.user + c.system) / 1000);
  for (const conn of conns) conn.removeAllListeners('message');
}
ms.sort((a, b) => a - b);
cpuMs.sort((a, b) => a - b);
// CPU time (this process: pool and miners) is steadier than wall time on a shared machine.
console.log(
  `${connections * perConnection} channels: median ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms, min ${ms[0]!.toFixed(1)} ms; ` +
    `CPU per block median ${cpuMs[Math.floor(cpuMs.length / 2)]!.toFixed(1)} ms`,
);
await Promise.all(conns.map((c) => c.close()));
await pool.close();
