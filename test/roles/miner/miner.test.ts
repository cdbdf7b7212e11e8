import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToDisplay } from '../../../src/bitcoin/bytes.js';
import { hashMeetsTarget } from '../../../src/bitcoin/target.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { Miner } from '../../../src/roles/miner/miner.js';
import type { TestPool } from '../../support/pool.js';
import { blockInChain, nextEvent, startPool } from '../../support/miner.js';
import { poolClients } from '../../../src/monitor/pool-views.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;

beforeAll(async () => {
  pool = await startPool(authority);
});
afterAll(() => pool?.close());

async function withMiner(options: Parameters<typeof Miner.start>[0], body: (miner: Miner) => Promise<void>): Promise<void> {
  const miner = Miner.start({ threads: 1, reconnectDelayMs: 20, maxReconnectDelayMs: 200, ...options });
  try {
    await body(miner);
  } finally {
    await miner.close();
  }
}

/** Every share rejection so far was one in flight when the tip moved: the miner's own checks let no other kind through. */
function onlyStaleRejections(miner: Miner): void {
  for (const reason of Object.keys(miner.stats().rejectReasons)) expect(reason).toBe('stale-share');
}

describe('CPU miner over Sv2, against our pool on the embedded regtest chain', () => {
  it('standard channel (header-only mining): shares accepted, a block found and in the chain', async () => {
    await withMiner({ url: pool.url, user: 'alice.std' }, async (miner) => {
      const [channel] = await nextEvent(miner, 'channel');
      expect(channel.kind).toBe('standard');
      expect(channel.extranonceSize).toBe(0);
      const [block] = await nextEvent(miner, 'block');
      await blockInChain(pool.node, block.hash);
      await nextEvent(miner, 'share-accepted', (a) => a.id !== null && a.id >= block.id);
      const stats = miner.stats();
      expect(stats.accepted).toBeGreaterThanOrEqual(1);
      expect(stats.blocks).toBeGreaterThanOrEqual(1);
      expect(stats.upstream).toBe(`127.0.0.1:${pool.pool.port}`);
      onlyStaleRejections(miner);
      const recorded = pool.pool.store.blocks().find((b) => b.blockHash === hashToDisplay(block.hash));
      expect(recorded).toMatchObject({ userIdentity: 'alice.std', status: 'accepted' });
    });
  });

  it('extended channel on two threads: shares carry the extranonce the miner chose; accepted, and a block in the chain', async () => {
    await withMiner({ url: pool.url, user: 'bob.ext', extended: true, threads: 2 }, async (miner) => {
      const [channel] = await nextEvent(miner, 'channel');
      expect(channel.kind).toBe('extended');
      expect(channel.extranonceSize).toBeGreaterThanOrEqual(4);
      const [block] = await nextEvent(miner, 'block');
      expect(block.extranonce).toHaveLength(channel.extranonceSize);
      await blockInChain(pool.node, block.hash);
      await nextEvent(miner, 'share-accepted', (a) => a.id !== null && a.id >= block.id);
      onlyStaleRejections(miner);
      expect(pool.pool.store.blocks().find((b) => b.blockHash === hashToDisplay(block.hash))).toMatchObject({ userIdentity: 'bob.ext' });
    });
  });

  it('follows the moving tip: new work on every SetNewPrevHash, and no share refused except ones in flight as the tip moved', async () => {
    await withMiner({ url: pool.url, user: 'carol' }, async (miner) => {
      let cleanWork = 0;
      miner.on('work', (w) => {
        if (w.cleanJobs) cleanWork++;
      });
      // At regtest difficulty every share is a block, so the tip moves under the miner again and again.
      for (let blocks = 0; blocks < 3; blocks++) {
        const [block] = await nextEvent(miner, 'block');
        await blockInChain(pool.node, block.hash);
      }
      await nextEvent(miner, 'work', (w) => w.cleanJobs);
      expect(cleanWork).toBeGreaterThanOrEqual(4);
      onlyStaleRejections(miner);
    });
  });
});

describe('SetTarget and UpdateChannel', () => {
  let hard: TestPool;
  beforeAll(async () => {
    // A network target no test will meet: every share is just a share.
    hard = await startPool(authority, { POOL__SHARES_PER_MINUTE: '600' }, { template_provider_type: { Embedded: { nbits: '1d00ffff', tx_per_second: 0 } } });
  });
  afterAll(() => hard?.close());

  it('an under-announced miner corrects its hashrate; the SetTarget that follows sets the difficulty it submits at', async () => {
    // 20 kH/s announced: the pool's first target gives a flood of easy shares.
    await withMiner({ url: hard.url, user: 'dave', nominalHashrate: 20_000, hashrateReportSecs: 0.25 }, async (miner) => {
      const [channel] = await nextEvent(miner, 'channel');
      const [announced] = await nextEvent(miner, 'nominal-hashrate');
      expect(announced).toBeGreaterThan(2 * 20_000);
      const [target] = await nextEvent(miner, 'target');
      expect(target.difficulty).toBeGreaterThan(2 * channel.difficulty);
      // From now on every share sent meets the new target, and the pool takes it at that difficulty.
      const [share] = await nextEvent(miner, 'share-submitted');
      expect(share.difficulty).toBe(target.difficulty);
      expect(hashMeetsTarget(share.hash, target.target)).toBe(true);
      const [ack] = await nextEvent(miner, 'share-accepted', (a) => a.id === share.id);
      expect(ack.count).toBe(1); // the pool acks every share; its difficulty sum is an integer, 0 at this difficulty
      const onPool = poolClients(hard.pool, {}).items.flatMap((c) => c.channels).find((c) => c.user_identity === 'dave');
      expect(onPool?.difficulty).toBeCloseTo(target.difficulty, 6);
      expect(miner.stats()).toMatchObject({ difficulty: target.difficulty, rejected: 0 });
    });
  });
});
