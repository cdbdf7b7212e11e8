import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import type { GbtResult } from '../../../src/chain/gbt.js';
import { RpcClient } from '../../../src/net/bitcoind/rpc-client.js';
import { embeddedDifficulty, NodeConfigError, startNode } from '../../../src/roles/common/embedded-node.js';
import { configError } from '../../support/config.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('node role', () => {
  it('bootstraps, generates transactions and serves them over RPC', async () => {
    const credentials = { user: 'u', password: 'p' };
    const node = await startNode({ rpc: { port: 0, credentials }, txPerSecond: 5 });
    cleanups.push(() => node.close());
    expect(node.chain.height).toBe(101);
    expect(node.tick()).toBe(2); // the two mature coinbases at height 101
    const client = new RpcClient({ url: node.rpc!.url, auth: credentials });
    cleanups.push(() => client.close());
    expect(await client.call<string[]>('getrawmempool')).toHaveLength(2);
    const gbt = await client.call<GbtResult>('getblocktemplate', [{ rules: ['segwit'] }]);
    expect(gbt.transactions).toHaveLength(2);
    expect((await node.source.currentTemplate()).transactions).toHaveLength(2);
  });

  it('persists to a data directory with cookie auth and resumes without re-bootstrapping', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sv2-node-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await startNode({ dataDir: dir, rpc: { port: 0 }, txPerSecond: 1 });
    const cookieFile = first.rpc!.cookieFile!;
    const client = new RpcClient({ url: first.rpc!.url, auth: { cookieFile } });
    expect(await client.call('getblockcount')).toBe(101);
    client.close();
    const tip = first.chain.tip.key;
    await first.close();
    expect(existsSync(cookieFile)).toBe(false);

    const second = await startNode({ dataDir: dir, rpc: { port: 0 }, txPerSecond: 1 });
    cleanups.push(() => second.close());
    expect(second.chain.height).toBe(101);
    expect(second.chain.tip.key).toBe(tip);
    expect(second.generator!.spendable()).toHaveLength(2);
  });

  it('keeps the difficulty rule a chain was made with: a restart with another initial hashrate keeps every block', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sv2-node-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const rule = (initialHashrate: number) => ({ mode: 'retarget' as const, blockIntervalSeconds: 1, initialHashrate });
    const first = await startNode({ dataDir: dir, difficulty: rule(4), txPerSecond: 1 });
    first.chain.generate(3, first.generator!.script);
    const tip = first.chain.tip.key;
    await first.close();
    const warnings: string[] = [];
    const second = await startNode({ dataDir: dir, difficulty: rule(8), txPerSecond: 1 }, { info: (m) => warnings.push(m), warn: (m) => warnings.push(m) });
    cleanups.push(() => second.close());
    expect(second.chain.height).toBe(104);
    expect(second.chain.tip.key).toBe(tip);
    expect(warnings.join('\n')).not.toMatch(/invalid/);
    expect(warnings.join('\n')).toMatch(/keeps the difficulty rule it was made with/);
  });

  it('refuses RPC without credentials or a data directory for the cookie', async () => {
    await expect(startNode({ rpc: { port: 0 } })).rejects.toBeInstanceOf(NodeConfigError);
    await expect(startNode({ txPerSecond: -1 })).rejects.toThrow(/≥ 0/);
  });
});

describe('sv2 node command', () => {
  it('is listed and rejects bad options with a clear error', async () => {
    const program = buildProgram().exitOverride();
    expect(program.helpInformation()).toContain('node');
    const node = program.commands.find((c) => c.name() === 'node')!;
    expect(node.helpInformation()).toContain('--rpc-port');
    let stderr = '';
    program.configureOutput({ writeErr: (s) => (stderr += s) });
    node.exitOverride().configureOutput({ writeErr: (s) => (stderr += s) });
    await expect(program.parseAsync(['node', 'sv2', 'node', '--rpc-port', '99999'])).rejects.toThrow();
    expect(stderr.split('\n')[0]).toMatch(/--rpc-port must be an integer in 0\.\.65535/);
  });
});

describe('embeddedDifficulty', () => {
  it('maps the difficulty keys and names the table when both rules are given', () => {
    expect(embeddedDifficulty({}, 'x')).toEqual({ mode: 'regtest' });
    expect(embeddedDifficulty({ nbits: '0x207fffff' }, 'x')).toEqual({ mode: 'fixed', bits: 0x207fffff });
    expect(embeddedDifficulty({ target_block_interval_secs: 30, initial_hashrate: 1e6 }, 'x')).toEqual({ mode: 'retarget', blockIntervalSeconds: 30, initialHashrate: 1e6 });
    const e = configError(() => embeddedDifficulty({ nbits: '207fffff', target_block_interval_secs: 30 }, 'template_provider_type.Embedded'));
    expect(e.message).toBe('template_provider_type.Embedded.nbits: give nbits or target_block_interval_secs, not both');
  });
});
