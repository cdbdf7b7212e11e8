import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HeaderSearch, meetsTarget } from '../src/roles/miner/hash-search.js';
import { HasherPool } from '../src/roles/miner/hasher-pool.js';

const sha256d = (b: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
// Bitcoin's genesis header: its nonce 2083236893 gives hash 000000000019d6…, internal order reversed.
const GENESIS = Buffer.from(
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
  'hex',
);

/** A target with `zeroBits` leading zero bits (most significant end), little-endian. */
function targetWithZeroBits(zeroBits: number): Uint8Array {
  const t = new Uint8Array(32).fill(0xff);
  for (let b = 0; b < zeroBits; b++) t[31 - (b >> 3)]! &= ~(0x80 >> (b & 7));
  return t;
}

describe('header search', () => {
  it('meetsTarget compares 256-bit little-endian numbers', () => {
    const t = new Uint8Array(32);
    t[31] = 0x01;
    const h = new Uint8Array(32);
    h[31] = 0x01;
    expect(meetsTarget(h, t)).toBe(true);
    h[0] = 1;
    expect(meetsTarget(h, t)).toBe(false);
    h[31] = 0;
    expect(meetsTarget(h, t)).toBe(true);
  });

  it('finds the genesis nonce when started just before it', () => {
    const search = new HeaderSearch({ jobKey: 7, header: GENESIS, target: targetWithZeroBits(32), versionRollingMask: 0 }, 2083236893 - 100);
    const found = search.run(200);
    expect(found).toHaveLength(1);
    expect(found[0]!.nonce).toBe(2083236893);
    expect(Buffer.from(found[0]!.hash).reverse().toString('hex')).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  });

  it('every share it reports meets the target and hashes to what it says', () => {
    const target = targetWithZeroBits(6);
    const found = new HeaderSearch({ jobKey: 1, header: GENESIS, target, versionRollingMask: 0x1fffffe0 }).run(3000);
    expect(found.length).toBeGreaterThan(10);
    for (const s of found) {
      const h = Buffer.from(GENESIS);
      h.writeUInt32LE(s.version, 0);
      h.writeUInt32LE(s.ntime, 68);
      h.writeUInt32LE(s.nonce, 76);
      expect(sha256d(h).equals(Buffer.from(s.hash))).toBe(true);
      expect(meetsTarget(s.hash, target)).toBe(true);
    }
  });

  it('rolls version bits inside the mask when the nonce range wraps', () => {
    const search = new HeaderSearch({ jobKey: 1, header: GENESIS, target: targetWithZeroBits(0), versionRollingMask: 0x1fffffe0 }, 0xffffffff);
    const [a, b] = search.run(2);
    expect(a!.version).toBe(1);
    expect(b!.nonce).toBe(0);
    expect(b!.version).toBe(1 | 0x20);
    expect(b!.ntime).toBe(a!.ntime);
  });
});

describe('hasher pool', () => {
  it('finds shares on worker threads and counts hashes', async () => {
    const pool = new HasherPool(2);
    try {
      pool.setWork({ jobKey: 3, header: GENESIS, target: targetWithZeroBits(4), versionRollingMask: 0 });
      const [share] = (await once(pool, 'share')) as [{ jobKey: number; hash: Uint8Array }];
      expect(share.jobKey).toBe(3);
      expect(meetsTarget(share.hash, targetWithZeroBits(4))).toBe(true);
    } finally {
      await pool.stop();
    }
  });
});
