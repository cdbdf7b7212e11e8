/**
 * The pool under one of the soak's attacks, profiled: `sv2 pool` in its own process under
 * `--cpu-prof` (profile written to `dir` when it stops), the attacker (bench/soak/attack.ts) in
 * another for `seconds`, then the pool is stopped. Then `npx tsx bench/profile/top.ts <file>`.
 *   npx tsx bench/profile/attack.ts <dir> <mode> [seconds] [count]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';

const [dirArg, mode, secondsArg, countArg] = process.argv.slice(2);
if (dirArg === undefined || mode === undefined) throw new Error('usage: attack.ts <dir> <mode> [seconds] [count]');
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const ATTACK = new URL('../soak/attack.ts', import.meta.url).pathname;
const authority = AuthorityKeyPair.generate();
const pool = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dirArg, '--import', 'tsx', MAIN, 'pool'], {
  env: {
    ...process.env,
    POOL__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
    POOL__AUTHORITY_SECRET_KEY: authority.secretToString(),
    POOL__COINBASE_REWARD_SCRIPT: 'addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)',
    POOL__ACCOUNTING_DB: path.join(mkdtempSync(path.join(tmpdir(), 'sv2-prof-pool-')), 'pool.sqlite'),
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    POOL__LOG_LEVEL: 'warn',
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
const attacker = spawn(process.execPath, ['--import', 'tsx', ATTACK, port, authority.publicKey.toString(), mode, countArg ?? '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => setTimeout(r, Number(secondsArg ?? 10) * 1000));
attacker.kill('SIGTERM');
for await (const line of createInterface({ input: attacker.stdout! })) if (line.startsWith('{')) console.log(`attacker: ${line}`);
pool.kill('SIGINT');
await new Promise((resolve) => pool.once('exit', resolve));
console.log(`profile of the pool in ${dirArg}`);
