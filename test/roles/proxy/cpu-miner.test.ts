/**
 * Our real Sv2 CPU miners through the proxy into a pool on the regtest chain, where every share
 * is a block: blocks found by devices land in the chain through the proxy, and the tip keeps
 * moving under them (new prev hashes through the proxy's group broadcast and per-channel jobs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { Miner } from '../../../src/roles/miner/miner.js';
import { nextEvent, startPool } from '../../support/miner.js';
import type { TestPool } from '../../support/pool.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';

const authority = AuthorityKeyPair.generate();
let pool: TestPool;
let tp: TestProxy;

beforeAll(async () => {
  pool = await startPool(authority);
  tp = await startTestProxy([{ port: pool.pool.port, authority }], { PROXY__DOWNSTREAM_SHARES_PER_MINUTE: '300' });
});
afterAll(async () => {
  await tp?.close();
  await pool?.close();
});

describe('CPU miners through the proxy', () => {
  it('a standard and an extended miner find blocks through one upstream channel; the tip moves under them', async () => {
    const url = `stratum2+tcp://127.0.0.1:${tp.proxy.port}/${tp.authority.publicKey.toString()}`;
    const std = Miner.start({ url, user: 'std', threads: 1, reconnectDelayMs: 20, maxReconnectDelayMs: 200 });
    const ext = Miner.start({ url, user: 'ext', extended: true, threads: 1, reconnectDelayMs: 20, maxReconnectDelayMs: 200 });
    try {
      expect((await nextEvent(std, 'channel'))[0].kind).toBe('standard');
      expect((await nextEvent(ext, 'channel'))[0].kind).toBe('extended');
      // Two miners race for each height, so a candidate may lose; the chain moving is what counts.
      const h0 = pool.node.chain.height;
      await Promise.all([nextEvent(std, 'block'), nextEvent(ext, 'block')]);
      await new Promise<void>((resolve) => {
        if (pool.node.chain.height >= h0 + 4) return resolve();
        const stop = pool.node.chain.onTip(() => {
          if (pool.node.chain.height < h0 + 4) return;
          stop();
          resolve();
        });
      });
      const landed = pool.pool.store.blocks().filter((b) => b.status === 'accepted');
      expect(landed.length).toBeGreaterThanOrEqual(1);
      expect(pool.pool.store.blocks().every((b) => b.userIdentity === 'farm')).toBe(true);
      await nextEvent(std, 'share-accepted');
      await nextEvent(ext, 'share-accepted');
      for (const miner of [std, ext]) {
        for (const reason of Object.keys(miner.stats().rejectReasons)) expect(reason).toBe('stale-share');
        expect(miner.stats().upstream).toBe(`127.0.0.1:${tp.proxy.port}`);
      }
      expect(pool.pool.manager.channelCount).toBe(1);
      // Both kinds of channel had shares (each one a block here) accepted by the pool: the extended
      // one's extranonce, padded into the upstream's space, rebuilt the pool's merkle root.
      const kinds = new Map<string, number>();
      const read = (): boolean => {
        for (const id of tp.proxy.devices.connectionIds()) {
          for (const ch of tp.proxy.devices.channelsOf(id)) kinds.set(ch.kind, tp.proxy.devices.upstreamStatsOf(ch).acceptedUpstream);
        }
        return (kinds.get('standard') ?? 0) >= 1 && (kinds.get('extended') ?? 0) >= 1;
      };
      // The device's ack is the proxy's; the pool's answer to the forwarded share follows it.
      await new Promise<void>((resolve) => {
        if (read()) return resolve();
        const on = (): void => {
          if (!read()) return;
          tp.proxy.events.off('share-answered', on);
          resolve();
        };
        tp.proxy.events.on('share-answered', on);
      });
      expect(kinds.get('standard')).toBeGreaterThanOrEqual(1);
      expect(kinds.get('extended')).toBeGreaterThanOrEqual(1);
      expect(pool.pool.store.sharesByUser().find((u) => u.userIdentity === 'farm')!.shares).toBeGreaterThanOrEqual(4);
    } finally {
      await Promise.all([std.close(), ext.close()]);
    }
  }, 60_000);
});
