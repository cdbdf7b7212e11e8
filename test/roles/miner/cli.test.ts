import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { runCli } from '../../support/cli.js';
import type { TestPool } from '../../support/pool.js';
import { startPool } from '../../support/miner.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;

beforeAll(async () => {
  pool = await startPool(authority);
});
afterAll(() => pool?.close());

describe('sv2 miner', () => {
  it('bad input: one line on stderr and exit code 1', () => {
    const cases = [
      ['miner', 'http://127.0.0.1:3333'],
      ['miner', 'stratum2+tcp://127.0.0.1:3333'],
      ['miner', 'stratum+tcp://127.0.0.1:3333', '--extended'],
      ['miner', 'stratum+tcp://127.0.0.1:3333', '--threads', '0'],
    ];
    for (const args of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
  });

  it('mines against a pool, prints status lines, and a summary when interrupted', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'miner', pool.url, '-u', 'cli.user', '--threads', '1', '--hashrate-report-secs', '0.2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The first status line that counts an accepted share on the standard channel.
    const mining = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        for (const m of stdout.matchAll(/accepted (\d+) rejected \d+ \| blocks \d+ \| 127\.0\.0\.1:\d+ standard channel \d+\n/g)) if (Number(m[1]) > 0) resolve();
      });
    });
    await Promise.race([mining, exited]);
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.some((l) => /connected to 127\.0\.0\.1:\d+$/.test(l))).toBe(true);
    expect(lines.some((l) => /block found: [0-9a-f]{64}$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^sv2 miner: mined \d+s at [\d.]+ [kM]?H\/s on 1 thread: \d+ shares submitted, [1-9]\d* accepted, \d+ rejected.*, [1-9]\d* blocks$/);
    expect(pool.pool.store.sharesByUser().find((u) => u.userIdentity === 'cli.user')?.shares).toBeGreaterThan(0);
  });
});
