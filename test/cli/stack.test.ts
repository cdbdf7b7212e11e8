import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShareStore } from '../../src/roles/pool/share-store.js';
import type { StackSummary } from '../../src/cli/stack/stack.js';
import { spawnRole } from '../support/spawn-role.js';

describe('the local stack, end to end', () => {
  it('started as a user starts it, finds blocks the chain accepts, the pool database agrees with what miners were told, and a second run carries on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sv2-stack-'));
    const config = path.join(dir, 'stack.toml');
    writeFileSync(
      config,
      [
        `data_dir = ${JSON.stringify(path.join(dir, 'data'))}`,
        'template_provider_port = 0', 'pool_port = 0', 'translator_port = 0', 'jds_port = 0', 'jd_client_port = 0', 'proxy_port = 0', 'monitoring_port = 0',
        'target_block_interval_secs = 1',
        'view_interval_secs = 0.2',
        '[pool]', 'shares_per_minute = 60', 'share_batch_size = 1',
      ].join('\n') + '\n',
    );
    const run = async (blocks: RegExp): Promise<{ summary: StackSummary; output: string }> => {
      const stack = spawnRole(['stack', '--config', config], {}, 'stdout');
      const [, dashboard] = await stack.waitFor(/pool dashboard\s+(\S+)/, 60_000);
      // The printed address serves the pool's page.
      expect(await (await fetch(dashboard!)).text()).toContain('data-role="pool"');
      // Non-TTY output: a status line with the chain's progress.
      await stack.waitFor(blocks, 120_000);
      // On a loaded machine blocks can come before a miner's first acknowledged share: wait for both miners'.
      await stack.waitFor(/sv2 miner [^|]*ok\s+[1-9][^|]*\|[^\n]*sv1 miner [^|]*ok\s+[1-9]/, 120_000);
      // The Sv2 miner is a device behind the proxy, whose shares go up to the JD client.
      await stack.waitFor(/proxy: 1 devices, upstream up; [1-9]\d* shares sent up, [1-9]\d* accepted/, 120_000);
      // The Sv2 miner mines through the JD client: its declared jobs' shares reach the pool.
      await stack.waitFor(/jd-client declaring to the pool: [1-9]\d* custom jobs, [1-9]\d* shares accepted upstream/, 120_000);
      stack.child.kill('SIGINT');
      const exit = await stack.exited;
      expect(exit.code).toBe(0);
      expect(stack.output()).toMatch(/stack stopped after/);
      return { summary: JSON.parse(readFileSync(path.join(dir, 'data', 'last-run.json'), 'utf8')) as StackSummary, output: stack.output() };
    };
    const accounting = (db: string) => {
      const store = new ShareStore(db);
      const result = { byUser: new Map(store.sharesByUser().map((u) => [u.userIdentity, u.shares])), accepted: store.blocks().filter((b) => b.status === 'accepted').map((b) => b.blockHash) };
      store.close();
      return result;
    };

    const first = await run(/, (?:[3-9]|\d{2,}) blocks this run/);
    expect(first.summary.blocksThisRun).toBeGreaterThanOrEqual(3);
    const db1 = accounting(first.summary.pool.accountingDb);
    expect(db1.accepted.length).toBeGreaterThanOrEqual(3);
    expect(first.summary.toldAccepted['stack.sv2-miner']).toBeGreaterThan(0);
    for (const [user, told] of Object.entries(first.summary.toldAccepted)) {
      // Everything a miner was told is accepted is in the database (a share committed just before
      // the stop may not have been acknowledged yet, so the database may hold a few more).
      expect(db1.byUser.get(user) ?? 0, user).toBeGreaterThanOrEqual(told);
    }
    // Every role logged to the data directory; a warning would also have been on screen.
    for (const role of ['pool', 'translator', 'template-provider', 'jd-client', 'proxy']) expect(readFileSync(path.join(dir, 'data', 'logs', `${role}.log`), 'utf8')).toMatch(/"msg"/);

    // The second run on the same data directory carries on: same chain, same blocks, same shares.
    const second = await run(/, [1-9]\d* blocks this run/);
    expect(second.output.split('\n').filter((l) => / (WARN|ERROR) /.test(l))).toEqual([]);
    expect(second.summary.chainHeight - second.summary.blocksThisRun).toBe(first.summary.chainHeight);
    const db2 = accounting(second.summary.pool.accountingDb);
    expect(db2.accepted).toEqual(expect.arrayContaining(db1.accepted));
    for (const [user, shares] of db1.byUser) expect(db2.byUser.get(user) ?? 0, user).toBeGreaterThan(shares);
  }, 480_000);
});

describe('stack config', () => {
  it('the shipped example loads and equals the defaults where it states them', async () => {
    const { loadStackConfig } = await import('../../src/cli/stack/config.js');
    const example = loadStackConfig(path.resolve('config-examples/stack.toml'), {});
    const defaults = loadStackConfig(undefined, {});
    expect(example.pool_port).toBe(defaults.pool_port);
    expect(example.target_block_interval_secs).toBe(defaults.target_block_interval_secs);
    expect(example.pool).toEqual({ shares_per_minute: 30, share_batch_size: 10 });
  });
});
