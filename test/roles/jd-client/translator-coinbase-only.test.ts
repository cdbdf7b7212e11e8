/**
 * The translator downstream of the JD client, in Coinbase-only mode, over real sockets: an Sv1
 * CPU miner → translator → JD client → our pool, whose JDS allows Coinbase-only clients. Its
 * custom jobs (a token, no declaration) are taken and the Sv1 miner's shares reach the pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { Miner } from '../../../src/roles/miner/miner.js';
import type { RunningTranslator } from '../../../src/roles/translator/translator.js';
import { nextEvent, startTestJdc, type TestJdc } from '../../support/jdc.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { startTestTranslator } from '../../support/translator-stack.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;
let t: TestJdc;
let translator: RunningTranslator;
let miner: Miner | undefined;

beforeAll(async () => {
  pool = await startTestPool(authority, {
    POOL__JDS__LISTEN_ADDRESS: '127.0.0.1:0',
    POOL__JDS__FULL_TEMPLATE_MODE_REQUIRED: 'false',
    // No transactions and a moderate difficulty: shares are many, blocks rare.
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__TX_PER_SECOND: '0',
    POOL__TEMPLATE_PROVIDER_TYPE__EMBEDDED__NBITS: '"1e00ffff"',
    POOL__SHARES_PER_MINUTE: '600',
  });
  t = await startTestJdc([{ poolPort: pool.pool.port, jdsPort: pool.pool.jd!.port, authority }], { JDC__MODE: 'COINBASEONLY', JDC__SHARES_PER_MINUTE: '120' }, pool.node);
  translator = await startTestTranslator([{ port: t.jdc.port, authority: t.authority }]);
});
afterAll(async () => {
  await miner?.close();
  await translator?.close();
  await t?.close();
  await pool?.close();
});

describe('translator → jd-client (Coinbase-only) → pool', () => {
  it('custom jobs from tokens alone are taken and the Sv1 miner\'s shares are accepted up to the pool', async () => {
    const custom = nextEvent(t.jdc, 'custom-job');
    const upstreamOk = nextEvent(t.jdc, 'share-answered', (_d, ok) => ok);
    miner = await Miner.start({ url: `stratum+tcp://127.0.0.1:${translator.sv1Port}`, user: 'sv1-rig', threads: 1 });
    const [work] = await custom;
    expect(work.pool).not.toBeNull();
    await upstreamOk;
    expect(pool.pool.jd!.server.counts.declared).toBe(0);
    expect(t.jdc.downstreams.size).toBe(1);
    expect(pool.pool.store.sharesByUser().find((u) => u.userIdentity === 'miner')?.shares).toBeGreaterThan(0);
  }, 60_000);
});
