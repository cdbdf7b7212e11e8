/** `sv2 proxy` run as a user runs it: its own process, PROXY__ variables, the monitoring API. */
import { describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { runCli } from '../../support/cli.js';
import { tomlFile } from '../../support/config.js';
import { startTestPool } from '../../support/pool.js';
import { testProxyEnv } from '../../support/proxy.js';
import { spawnRole } from '../../support/spawn-role.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

describe('sv2 proxy', () => {
  it('a bad key: one line naming it on stderr, exit code 2', () => {
    const r = runCli(['proxy', '--config', tomlFile('listen_address = "0.0.0.0:34255"\n')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['sv2 proxy: config: authority_public_key: is missing']);
  }, 30_000);

  it('serves a device through a pool, answers the monitoring API and stops cleanly on SIGTERM', async () => {
    const poolAuthority = AuthorityKeyPair.generate();
    const pool = await startTestPool(poolAuthority, { POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"', POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0', POOL__SHARES_PER_MINUTE: '6000' });
    const authority = AuthorityKeyPair.generate();
    const role = spawnRole(['proxy'], { ...testProxyEnv(authority, [{ port: pool.pool.port, authority: poolAuthority }]), PROXY__MONITORING_ADDRESS: '127.0.0.1:0', SV2_LOG_LEVEL: 'warn' });
    try {
      const [, port, monitor] = await role.waitFor(/listening on 127\.0\.0\.1:(\d+),.*monitoring on (http:\S+)/);
      const c = await TestClient.connect(Number(port), authority.publicKey.toString());
      await c.setup(MiningSetupFlags.RequiresStandardJobs);
      const ch = await c.openStandard('cli-rig', 50);
      const s = grind(ch, (x) => x.meetsTarget);
      await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
      expect((await c.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);

      expect(await (await fetch(`${monitor}/api/v1/health`)).json()).toEqual({ status: 'ok', upstream: 'connected' });
      const global = (await (await fetch(`${monitor}/api/v1/global`)).json()) as Record<string, unknown>;
      expect(global).toMatchObject({ devices: 1, channels: 1, shares_accepted: 1, upstream: { connected: true, channel_open: true, index: 0 } });
      const page = (await (await fetch(`${monitor}/api/v1/clients`)).json()) as { total: number; items: Array<{ id: number; channels: Array<Record<string, unknown>> }> };
      expect(page.total).toBe(1);
      const clients = page.items;
      expect(clients[0]!.channels[0]).toMatchObject({ channel_id: ch.channelId, kind: 'standard', user_identity: 'cli-rig', shares_accepted: 1 });
      expect(await (await fetch(`${monitor}/api/v1/clients/${clients[0]!.id}`)).json()).toMatchObject({ id: clients[0]!.id });
      expect((await fetch(`${monitor}/api/v1/clients/999`)).status).toBe(404);
      const server = (await (await fetch(`${monitor}/api/v1/server/channels`)).json()) as { total_extended: number; extended_channels: unknown[] };
      expect(server).toMatchObject({ total_extended: 1, total_standard: 0 });
      expect(await (await fetch(`${monitor}/api/v1/clients/${clients[0]!.id}/channels`)).json()).toMatchObject({ total_standard: 1, standard_channels: [{ channel_id: ch.channelId }] });
      const metrics = await (await fetch(`${monitor}/metrics`)).text();
      expect(metrics).toMatch(/^sv2_proxy_devices 1$/m);
      expect(metrics).toMatch(/^sv2_proxy_channels\{kind="standard"\} 1$/m);
      expect(metrics).toMatch(/^sv2_proxy_shares_accepted_total 1$/m);
      expect(metrics).toMatch(/^sv2_proxy_shares_rejected_total\{reason="stale-share"\} 0$/m);
      expect(metrics).toMatch(/^sv2_proxy_uptime_seconds \d/m);
      expect(metrics).toMatch(/^sv2_proxy_upstream_connected\{index="0"\} 1$/m);
      expect(metrics).toMatch(/^sv2_proxy_device_hashrate\{client="\d+",channel="\d+",user="cli-rig"\} 50$/m);

      role.child.kill('SIGTERM');
      expect(await role.exited).toEqual({ code: 0, signal: null });
      await c.conn.closed;
    } finally {
      role.child.kill('SIGKILL');
      await pool.close();
    }
  }, 30_000);
});
