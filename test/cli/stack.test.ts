import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShareStore } from '../../src/roles/pool/share-store.js';
import type { StackSummary } from '../../src/cli/stack/stack.js';
import { spawnRole } from '../support/spawn-role.js';

describe('the local stack, end to end', () => {
  it('started as a user starts it, finds blocks the chain accepts, and the pool database agrees with what miners were told', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sv2-stack-'));
    const config = path.join(dir, 'stack.toml');
    writeFileSync(
      config,
      [
        `data_dir = ${JSON.stringify(path.join(dir, 'data'))}`,
        'template_provider_port = 0', 'pool_port = 0', 'translator_port = 0', 'monitoring_port = 0',
        'target_block_interval_secs = 1',
        'view_interval_secs = 0.2',
        '[pool]', 'shares_per_minute = 60', 'share_batch_size = 1',
      ].join('\n') + '\n',
    );
    const stack = spawnRole(['stack', '--config', config], {}, 'stdout');
    await stack.waitFor(/pool API \+ \/metrics\s+(\S+)/, 60_000);
    // Non-TTY output: a status line with the chain's progress; wait for three blocks this run.
    await stack.waitFor(/\((?:[3-9]|\d{2,}) blocks this run\)/, 120_000);
    // On a loaded machine three blocks can come before a miner's first acknowledged share: wait for both miners'.
    await stack.waitFor(/sv2 miner \(standard channel\)[^|]*accepted\s+[1-9][^|]*\|[^\n]*sv1 miner \(via translator\)[^|]*accepted\s+[1-9]/, 120_000);
    stack.child.kill('SIGINT');
    const exit = await stack.exited;
    expect(exit.code).toBe(0);
    expect(stack.output()).toMatch(/stack stopped after/);

    const summary = JSON.parse(readFileSync(path.join(dir, 'data', 'last-run.json'), 'utf8')) as StackSummary;
    expect(summary.blocksThisRun).toBeGreaterThanOrEqual(3);
    const store = new ShareStore(summary.pool.accountingDb);
    const byUser = new Map(store.sharesByUser().map((u) => [u.userIdentity, u.shares]));
    const accepted = store.blocks().filter((b) => b.status === 'accepted').length;
    store.close();
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(summary.toldAccepted['stack.sv2-miner']).toBeGreaterThan(0);
    for (const [user, told] of Object.entries(summary.toldAccepted)) {
      // Everything a miner was told is accepted is in the database (a share committed just before
      // the stop may not have been acknowledged yet, so the database may hold a few more).
      expect(byUser.get(user) ?? 0, user).toBeGreaterThanOrEqual(told);
    }
  }, 240_000);
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
