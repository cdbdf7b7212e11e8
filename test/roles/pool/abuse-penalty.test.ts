// A peer cut for abuse cannot just reconnect: its address waits, the rest of the world does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { grind, TestClient } from '../../support/sv2-test-client.js';

const authority = AuthorityKeyPair.generate();
const ATTACKER = '127.0.0.2';
let pool: TestPool;

beforeAll(async () => {
  pool = await startTestPool(authority, { POOL__MAX_REJECTED_SHARES_PER_MIN: '20', POOL__ABUSE_PENALTY_MAX_SECS: '60' });
});
afterAll(async () => {
  await pool.close();
});

const client = async (from?: string) => {
  const c = await TestClient.connect(pool.pool.port, authority.publicKey.toString(), from);
  await c.setup(MiningSetupFlags.RequiresStandardJobs);
  return c;
};

describe('abuse penalty', () => {
  it('a share flooder is cut and its address refused before any handshake; its other connection and other addresses carry on', async () => {
    const sibling = await client(ATTACKER); // another device behind the same address
    const sibCh = await sibling.openStandard('sibling', 1e3);
    const flooder = await client(ATTACKER);
    const ch = await flooder.openStandard('flood', 1e3);
    const closed = new Promise<{ reason: string }>((resolve) => flooder.conn.once('close', resolve));
    for (let seq = 1; seq <= 100 && flooder.conn.isOpen; seq++) {
      await flooder.send('SubmitSharesStandard', { channelId: ch.channelId, sequenceNumber: seq, jobId: 9999, nonce: seq, ntime: 0, version: 0x20000000 }).catch(() => {});
    }
    await closed;

    // Coming straight back from that address: refused (the socket is closed before the handshake).
    await expect(TestClient.connect(pool.pool.port, authority.publicKey.toString(), ATTACKER)).rejects.toThrow();
    // The operator sees it: refusals by reason in the metrics.
    const metrics = await pool.pool.metrics.registry.metrics();
    expect(Number(/^sv2_pool_connections_refused_total\{reason="penalized"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^sv2_pool_connections_refused_total\{reason="per-ip-limit"\} 0$/m);
    expect(metrics).toMatch(/^sv2_pool_refused_connections_held \d+$/m);
    // Everyone else gets in; the device already connected from that address keeps mining.
    const honest = await client();
    expect((await honest.openStandard('honest', 1e3)).channelId).toBeGreaterThan(0);
    const s = grind(sibCh, (x) => x.meetsTarget);
    await sibling.send('SubmitSharesStandard', { channelId: sibCh.channelId, sequenceNumber: 1, jobId: s.jobId, nonce: s.nonce, ntime: s.ntime, version: s.version });
    expect((await sibling.next('SubmitSharesSuccess')).message.newSubmitsAcceptedCount).toBe(1);
    await Promise.all([honest.close(), sibling.close()]);
  });
});
