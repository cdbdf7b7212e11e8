import { describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { ShareStore } from '../../../src/roles/pool/share-store.js';
import { testPoolEnv } from '../../support/pool.js';
import { spawnRole } from '../../support/spawn-role.js';
import { TestClient } from '../../support/sv2-test-client.js';

describe('pool durability', () => {
  it('never loses a share it acknowledged, even when killed with SIGKILL under load', async () => {
    const authority = AuthorityKeyPair.generate();
    const env = testPoolEnv(authority, {
      // A hard network target: shares are never blocks, so the load is pure accounting.
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1d00ffff"',
      POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
      // The blast sends far more shares per channel on one block than a pool takes by default (16 384).
      POOL__MAX_SHARES_PER_BLOCK: String(1 << 22),
    });
    const db = env.POOL__ACCOUNTING_DB!;
    const pool = spawnRole(['pool'], env);
    const port = Number((await pool.waitFor(/listening on [^:]+:(\d+)/))[1]);

    const miners = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const c = await TestClient.connect(port, authority.publicKey.toString());
        await c.setup(MiningSetupFlags.RequiresStandardJobs);
        // The easiest target: every hash is a share, so the miners need no hashing.
        const ch = await c.openStandard(`miner${i}`, 0.001);
        return { c, ch, user: `miner${i}`, told: 0 };
      }),
    );
    for (const m of miners) {
      m.c.conn.on('message', (msg) => {
        if (msg.name === 'SubmitSharesSuccess') m.told += msg.message.newSubmitsAcceptedCount;
      });
    }
    // Blast shares until a good number were acknowledged, then kill the pool mid-stream.
    let killed = false;
    const blast = miners.map(async (m) => {
      const job = m.ch.activeJob!;
      for (let nonce = 0; !killed && m.c.conn.isOpen; nonce++) {
        await m.c.send('SubmitSharesStandard', { channelId: m.ch.channelId, sequenceNumber: nonce, jobId: job.jobId, nonce, ntime: m.ch.tip!.minNtime, version: job.version }).catch(() => {});
      }
    });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (miners.reduce((s, m) => s + m.told, 0) >= 2000) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    pool.child.kill('SIGKILL');
    const exit = await pool.exited;
    killed = true;
    await Promise.all(blast);
    expect(exit.signal).toBe('SIGKILL');

    const store = new ShareStore(db);
    const inDb = new Map(store.sharesByUser().map((u) => [u.userIdentity, u.shares]));
    store.close();
    let told = 0;
    for (const m of miners) {
      told += m.told;
      // Acknowledged ⊆ recorded: the database may hold a few more (committed, ack not yet out).
      expect(inDb.get(m.user) ?? 0).toBeGreaterThanOrEqual(m.told);
    }
    expect(told).toBeGreaterThanOrEqual(2000);
  });
});
