/** `sv2 translator` run as a user runs it: its own process, config from a file and TPROXY__ variables. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { difficultyToTarget } from '../../../src/sv1/index.js';
import { runCli } from '../../support/cli.js';
import { spawnRole } from '../../support/spawn-role.js';
import { SocketMiner } from '../../support/sv1-socket-miner.js';
import { startPool, TEST_MINER_HASHRATE } from '../../support/translator-stack.js';

function file(text: string): string {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'sv2-tproxy-cli-')), 'tproxy.toml');
  writeFileSync(f, text);
  return f;
}

describe('sv2 translator', () => {
  it('a bad or missing key: one line naming it on stderr, exit code 2', () => {
    const missing = runCli(['translator', '--config', file('downstream_address = "0.0.0.0"\n')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual(['sv2 translator: config: downstream_port: is missing']);
  }, 30_000);

  it('a TPROXY__ override that breaks the shipped example names the key', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'translator', '-c', path.resolve('config-examples/tproxy-config-local-pool-example.toml')], {
      env: { ...process.env, TPROXY__DOWNSTREAM_EXTRANONCE2_SIZE: '40' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^sv2 translator: config: downstream_extranonce2_size: .+$/);
  }, 30_000);

  it('runs against a pool, serves miners and the monitoring API, and stops cleanly on SIGTERM', async () => {
    const authority = AuthorityKeyPair.generate();
    const pool = await startPool(authority);
    const config = file(`
downstream_address = "127.0.0.1"
downstream_port = 0
monitoring_address = "127.0.0.1:0"
[downstream_difficulty_config]
min_individual_miner_hashrate = ${TEST_MINER_HASHRATE}
shares_per_minute = 60.0
[[upstreams]]
address = "stratum2+tcp://127.0.0.1:${pool.port}/${authority.publicKey.toString()}"
user_identity = "cli-test"
`);
    const role = spawnRole(['translator', '--config', config], { SV2_LOG_LEVEL: 'warn' });
    try {
      const [, port, monitor] = await role.waitFor(/Sv1 miners on 127\.0\.0\.1:(\d+),.*monitoring on (http:\S+)/);
      const miner = await SocketMiner.connect(Number(port), { username: 'acct.cli' });
      await miner.until('job');
      expect(miner.model.client.difficulty).toBe(2 ** -24);
      const answer = await miner.submit(miner.model.findShare(difficultyToTarget(miner.model.client.difficulty)).line);
      expect(answer.type).toBe('share-accepted');

      const health = (await (await fetch(`${monitor}/api/v1/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ok', upstream_connected: true });
      const clients = (await (await fetch(`${monitor}/api/v1/sv1/clients`)).json()) as { total: number; items: Array<Record<string, unknown>> };
      expect(clients.total).toBe(1);
      expect(clients.items[0]).toMatchObject({ sv1_username: 'acct.cli', sv1_worker_name: 'cli', extranonce2_len: 4, channel_id: expect.any(Number) });
      const channels = (await (await fetch(`${monitor}/api/v1/server/channels`)).json()) as { total_extended: number; extended_channels: Array<Record<string, unknown>> };
      expect(channels.total_extended).toBe(1);
      expect(channels.extended_channels[0]).toMatchObject({ user_identity: 'cli-test', miners: 1 });
      const metrics = await (await fetch(`${monitor}/metrics`)).text();
      expect(metrics).toMatch(/^sv2_translator_sv1_clients 1$/m);
      expect(metrics).toMatch(/^sv2_translator_sv1_connections_refused_total 0$/m);
      expect(metrics).toMatch(/^sv2_translator_sv1_refused_connections_held 0$/m);
      expect(metrics).toMatch(/^sv2_translator_sv1_client_difficulty\{client_id="1",worker="cli"\} 5\.96\d*e-8$/m);
      expect(metrics).toContain('sv2_translator_upstream_connected 1');

      role.child.kill('SIGTERM');
      expect(await role.exited).toEqual({ code: 0, signal: null });
      await miner.closed;
    } finally {
      role.child.kill('SIGKILL');
      await pool.pool.close();
    }
  }, 30_000);
});
