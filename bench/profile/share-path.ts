/**
 * The pool's share path under load, profiled: `sv2 pool` runs in its own process under
 * `--cpu-prof` (profile written to `dir` when it stops), 32 channels in another process submit
 * shares for `seconds`. Then `npx tsx bench/profile/top.ts <dir>/<file>.cpuprofile`.
 *   npx tsx bench/profile/share-path.ts [dir] [seconds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';

const [dirArg, secondsArg] = process.argv.slice(2);
const dir = dirArg ?? mkdtempSync(path.join(tmpdir(), 'sv2-prof-'));
const seconds = secondsArg ?? '5';
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const CLIENTS = new URL('../pool-clients.ts', import.meta.url).pathname;
const authority = AuthorityKeyPair.generate();
const pool = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, '--import', 'tsx', MAIN, 'pool'], {
  env: {
    ...process.env,
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__MONITORING_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__ACCOUNTING_DB: path.join(mkdtempSync(path.join(tmpdir(), 'sv2-prof-pool-')), 'pool.sqlite'),
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    POOL__MAX_SHARES_PER_BLOCK: String(1 << 22),
    POOL__MAX_HANDSHAKES_PER_SEC: '100000',
    POOL__MAX_HANDSHAKES_PER_SEC_PER_IP: '100000',
    SV2_LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'pipe'],
});
let port = '';
for await (const line of createInterface({ input: pool.stderr! })) {
  const m = /listening on [^:]+:(\d+)/.exec(line);
  if (m) {
    port = m[1]!;
    break;
  }
}
const clients = spawn(process.execPath, ['--import', 'tsx', CLIENTS, port, authority.publicKey.toString(), 'load', '8', '4', seconds], { stdio: ['ignore', 'pipe', 'inherit'] });
for await (const line of createInterface({ input: clients.stdout! })) if (line.startsWith('{')) console.log(`clients: ${line}`);
pool.kill('SIGINT');
await new Promise((resolve) => pool.once('exit', resolve));
console.log(`profile of the pool in ${dir}`);
