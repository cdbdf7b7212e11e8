// Channel opens per second per address (max_channel_opens_per_sec): beyond the burst they wait,
// in order, and all arrive; reconnecting does not refill the bucket; another address is not held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiningSetupFlags } from '../../../src/messages/index.js';
import { AuthorityKeyPair } from '../../../src/noise/authority-key.js';
import { startTestPool, type TestPool } from '../../support/pool.js';
import { TestClient } from '../../support/sv2-test-client.js';

const RATE = 200;
const authority = AuthorityKeyPair.generate();
let pool: TestPool;

beforeAll(async () => {
  pool = await startTestPool(authority, { POOL__MAX_CHANNEL_OPENS_PER_SEC: String(RATE), POOL__MAX_CHANNELS_PER_CONNECTION: '2000' });
});
afterAll(async () => {
  await pool.close();
});

const client = async (from?: string) => {
  const c = await TestClient.connect(pool.pool.port, authority.publicKey.toString(), from);
  await c.setup(MiningSetupFlags.RequiresStandardJobs);
  return c;
};

/** Sends `n` opens at once; resolves with the request ids of the successes in the order they came. */
async function openMany(c: TestClient, n: number, from = 0): Promise<number[]> {
  for (let k = 0; k < n; k++) void c.send('OpenStandardMiningChannel', { requestId: from + k, userIdentity: `farm.${from + k}`, nominalHashRate: 1e3, maxTarget: new Uint8Array(32).fill(0xff) });
  const ids: number[] = [];
  while (ids.length < n) ids.push((await c.next('OpenStandardMiningChannelSuccess')).message.requestId);
  return ids;
}

describe('pool: channel opens per second per address', () => {
  it('opens a burst at once, the rest at the rate, every one in order, and the connection stays', async () => {
    const c = await client();
    const t0 = performance.now();
    const ids = await openMany(c, 3 * RATE);
    const ms = performance.now() - t0;
    expect(ids).toEqual(Array.from({ length: 3 * RATE }, (_, k) => k));
    // A burst of RATE, then 2 × RATE at RATE a second: about 2 s (without the limit: well under 1 s).
    expect(ms).toBeGreaterThan(1700);
    expect(ms).toBeLessThan(8000);
    expect(c.conn.isOpen).toBe(true);
    await c.close();
  });

  it('shares the bucket between the connections of an address, a new one included; another address is not held', async () => {
    // The first test emptied 127.0.0.1's bucket; wait until it is full again, then spend it all.
    await new Promise((r) => setTimeout(r, 1100));
    const a = await client();
    await openMany(a, RATE);
    await a.close();
    const t0 = performance.now();
    const other = await client('127.0.0.2');
    await openMany(other, RATE);
    const otherMs = performance.now() - t0;
    const b = await client(); // the same address again, on a new connection
    const t1 = performance.now();
    await openMany(b, RATE);
    const sameMs = performance.now() - t1;
    expect(otherMs).toBeLessThan(700); // within its own burst (sharing 127.0.0.1's: ~1 s)
    expect(sameMs).toBeGreaterThan(500); // RATE tokens at RATE a second, less what refilled meanwhile (a fresh bucket: ~0.1 s)
    await Promise.all([b.close(), other.close()]);
  });
});
