/** `sv2 jd-client` run as a user runs it: its own process, JDC__ variables, the monitoring API. */
import { describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { runCli } from '../../support/cli.js';
import { tomlFile } from '../../support/config.js';
import { SOLO_SCRIPT } from '../../support/jdc.js';
import { spawnRole } from '../../support/spawn-role.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

describe('sv2 jd-client', () => {
  it('a bad key: one line naming it on stderr, exit code 2', () => {
    const r = runCli(['jd-client', '--config', tomlFile('listening_address = "127.0.0.1:34265"\n')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['sv2 jd-client: config: authority_public_key: is missing']);
  }, 30_000);

  it('with no upstream mines solo on its own node, answers the monitoring API and stops cleanly on SIGTERM', async () => {
    const authority = AuthorityKeyPair.generate();
    const role = spawnRole(['jd-client'], {
      JDC__LISTENING_ADDRESS: '127.0.0.1:0',
      JDC__AUTHORITY_PUBLIC_KEY: authority.publicKey.toString(),
      JDC__AUTHORITY_SECRET_KEY: authority.secretToString(),
      JDC__COINBASE_REWARD_SCRIPT: SOLO_SCRIPT,
      JDC__SHARE_BATCH_SIZE: '1',
      JDC__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
      JDC__MONITORING_ADDRESS: '127.0.0.1:0',
      SV2_LOG_LEVEL: 'error',
    });
    try {
      const [, port, monitor] = await role.waitFor(/devices on 127\.0\.0\.1:(\d+), FULLTEMPLATE, solo, monitoring on (http:\S+)/, 30_000);
      const c = await TestClient.connect(Number(port), authority.publicKey.toString());
      await c.setup(MiningSetupFlags.RequiresStandardJobs);
      const ch = await c.openStandard('cli-rig', 50);
      const s = grind(ch, (x) => x.meetsTarget);
      await c.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
      expect((await c.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
      expect(await (await fetch(`${monitor}/api/v1/health`)).json()).toEqual({ status: 'ok', mode: 'solo' });
      expect(await (await fetch(`${monitor}/api/v1/global`)).json()).toMatchObject({ mode: 'solo', devices: 1, channels: 1, shares_accepted: 1 });
      // At regtest difficulty that share was a block: solo, its template built here.
      expect(await (await fetch(`${monitor}/api/v1/blocks`)).json()).toEqual([expect.objectContaining({ upstream: null, template_by: 'jd-client', accepted: true })]);
      expect(await (await fetch(`${monitor}/`)).text()).toContain('data-role="jd-client"');
      const metrics = await (await fetch(`${monitor}/metrics`)).text();
      expect(metrics).toMatch(/^sv2_jdc_devices 1$/m);
      expect(metrics).toMatch(/^sv2_jdc_connections_refused_total\{reason="penalized"\} 0$/m);
      expect(metrics).toMatch(/^sv2_jdc_refused_connections_held 0$/m);
      role.child.kill('SIGTERM');
      expect(await role.exited).toEqual({ code: 0, signal: null });
      await c.close();
    } finally {
      role.child.kill('SIGKILL');
    }
  }, 60_000);
});
