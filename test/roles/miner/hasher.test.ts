import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { jobMerkleRoot } from '../../../src/bitcoin/coinbase.js';
import { hashMeetsTarget } from '../../../src/bitcoin/target.js';
import type { FoundShare, SearchWork } from '../../../src/roles/miner/hash-search.js';
import { depositBits, HeaderSearch } from '../../../src/roles/miner/hash-search.js';
import { HasherPool } from '../../../src/roles/miner/hasher-pool.js';
import { popcount32 } from '../../../src/sv1/header.js';

const sha256d = (b: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
// Bitcoin's genesis header: its nonce 2083236893 gives hash 000000000019d6…, internal order reversed.
const GENESIS = Buffer.from(
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
  'hex',
);
const MASK = 0x1fffffe0;
const EVERY_HASH = new Uint8Array(32).fill(0xff);

/** A target with `zeroBits` leading zero bits (most significant end), little-endian. */
function targetWithZeroBits(zeroBits: number): Uint8Array {
  const t = new Uint8Array(32).fill(0xff);
  for (let b = 0; b < zeroBits; b++) t[31 - (b >> 3)]! &= ~(0x80 >> (b & 7));
  return t;
}

function work(overrides: Partial<SearchWork> = {}): SearchWork {
  return { jobKey: 1, header: GENESIS, target: EVERY_HASH, versionRollingMask: 0, ...overrides };
}

/** Rebuilds the header a share claims and checks its hash (and merkle root, for rolled extranonces). */
function expectGenuine(w: SearchWork, s: FoundShare): void {
  const h = Buffer.from(w.header);
  h.writeUInt32LE(s.version, 0);
  h.writeUInt32LE(s.ntime, 68);
  h.writeUInt32LE(s.nonce, 76);
  if (w.coinbase) h.set(jobMerkleRoot(w.coinbase.prefix, s.extranonce!, w.coinbase.suffix, w.coinbase.merklePath), 36);
  expect(sha256d(h).equals(Buffer.from(s.hash))).toBe(true);
  expect(hashMeetsTarget(s.hash, w.target)).toBe(true);
}

describe('header search', () => {
  it('depositBits spreads an index over the mask bits, lowest first', () => {
    expect(depositBits(0, MASK)).toBe(0);
    expect(depositBits(1, MASK)).toBe(0x20);
    expect(depositBits(5, MASK)).toBe(0xa0);
    expect(depositBits(2 ** 24 - 1, MASK)).toBe(MASK);
    expect(depositBits(3, 0x80000001)).toBe(0x80000001);
    expect(depositBits(2, 0b1010_0100)).toBe(0b0010_0000);
    expect(popcount32(MASK)).toBe(24);
  });

  it('finds the genesis nonce when started just before it', () => {
    const search = new HeaderSearch(work({ jobKey: 7, target: targetWithZeroBits(32) }), undefined, 2083236893 - 100);
    const found = search.run(200);
    expect(found).toHaveLength(1);
    expect(found[0]!.nonce).toBe(2083236893);
    expect(Buffer.from(found[0]!.hash).reverse().toString('hex')).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  });

  it('every share it reports meets the target and hashes to what it says', () => {
    const w = work({ target: targetWithZeroBits(6), versionRollingMask: MASK });
    const found = new HeaderSearch(w).run(3000);
    expect(found.length).toBeGreaterThan(10);
    for (const s of found) expectGenuine(w, s);
  });

  it('rolls version bits inside the mask when the nonce range wraps, then nTime when they are spent', () => {
    const search = new HeaderSearch(work({ versionRollingMask: MASK }), undefined, 0xffffffff);
    const [a, b] = search.run(2);
    expect(a!.version).toBe(1);
    expect(b!.nonce).toBe(0);
    expect(b!.version).toBe(1 | 0x20);
    expect(b!.ntime).toBe(a!.ntime);
    // A one-bit mask has two patterns: after both, nTime moves on by one second.
    const oneBit = new HeaderSearch(work({ versionRollingMask: 0x20 }), undefined, 0xffffffff);
    oneBit.run(1);
    expect(oneBit.version).toBe(0x21);
    const spent = new HeaderSearch(work({ versionRollingMask: 0x20 }), { index: 1, count: 2 }, 0xffffffff);
    expect(spent.version).toBe(0x21);
    const [last, next] = spent.run(2);
    expect(last!.version).toBe(0x21);
    expect(next!.version).toBe(0x21); // lane 1 of 2 owns only the pattern 0x20
    expect(next!.ntime).toBe(last!.ntime + 1);
  });

  it('lanes split version patterns, never meeting: lane i takes i, i+n, i+2n, …', () => {
    const owner = new Map<number, number>();
    for (let lane = 0; lane < 3; lane++) {
      const search = new HeaderSearch(work({ versionRollingMask: MASK }), { index: lane, count: 3 }, 0xffffffff);
      const first = search.version;
      search.run(1); // the nonce wraps: the lane's next pattern
      for (const v of [first, search.version]) {
        expect(v & ~MASK).toBe(1);
        const index = (v & MASK) >>> 5;
        expect(index % 3).toBe(lane);
        expect(owner.has(index)).toBe(false);
        owner.set(index, lane);
      }
    }
    expect([...owner.keys()].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('without rolling bits, lanes take slices of the nonce range and wrap inside their own slice', () => {
    const lane1 = new HeaderSearch(work(), { index: 1, count: 2 });
    expect(lane1.run(1)[0]!.nonce).toBe(0x80000000);
    const end = new HeaderSearch(work(), { index: 0, count: 2 }, 0x7fffffff);
    const [a, b] = end.run(2);
    expect(a!.nonce).toBe(0x7fffffff);
    expect(b!.nonce).toBe(0);
    expect(b!.ntime).toBe(a!.ntime + 1);
    expect(() => new HeaderSearch(work(), { index: 1, count: 2 }, 5)).toThrow(RangeError);
  });

  it('with a rollable extranonce and no version bits, each lane rolls its own extranonces and the merkle root follows', () => {
    const coinbase = { prefix: Buffer.from('01000000aabb', 'hex'), suffix: Buffer.from('ccdd00000000', 'hex'), merklePath: [new Uint8Array(32).fill(3)], extranonceSize: 4 };
    const w = work({ coinbase, target: targetWithZeroBits(3) });
    const lane1 = new HeaderSearch(w, { index: 1, count: 2 }, 0xffffffff);
    expect([...lane1.currentExtranonce!]).toEqual([1, 0, 0, 0]);
    const found = lane1.run(400);
    expect([...lane1.currentExtranonce!]).toEqual([3, 0, 0, 0]);
    expect(found.length).toBeGreaterThan(10);
    expect(new Set(found.map((s) => s.extranonce![0]))).toEqual(new Set([3]));
    for (const s of found) expectGenuine(w, s);
    // With version bits as well, lanes split the version patterns and roll the extranonce alike.
    for (const lane of [0, 1]) {
      const search = new HeaderSearch({ ...w, target: EVERY_HASH, versionRollingMask: MASK }, { index: lane, count: 2 }, 0xffffffff);
      const [x, y] = search.run(2);
      expect([...x!.extranonce!, x!.version]).toEqual([0, 0, 0, 0, 1 | (lane << 5)]);
      expect([...y!.extranonce!, y!.version]).toEqual([0, 0, 0, 0, 1 | ((lane + 2) << 5)]);
    }
  });
});

describe('hasher pool', () => {
  it('finds shares on worker threads, each thread in its own lane', async () => {
    const pool = new HasherPool(2);
    try {
      const coinbase = { prefix: new Uint8Array([1, 2, 3]), suffix: new Uint8Array([4, 5]), merklePath: [], extranonceSize: 2 };
      const w = work({ jobKey: 3, target: targetWithZeroBits(4), coinbase });
      pool.setWork(w);
      const lanes = new Set<number>();
      while (lanes.size < 2) {
        const [share] = (await once(pool, 'share')) as [FoundShare];
        expect(share.jobKey).toBe(3);
        expectGenuine(w, share);
        lanes.add(share.extranonce![0]! % 2);
      }
      expect(pool.totalHashes).toBeGreaterThan(0);
      expect(pool.work?.jobKey).toBe(3);
    } finally {
      await pool.stop();
    }
  });

  it('a tightened target applies to the work in hand without restarting it', async () => {
    const pool = new HasherPool(1);
    try {
      pool.setWork(work({ jobKey: 9 }));
      await once(pool, 'share');
      const hard = targetWithZeroBits(10);
      pool.setTarget(8, new Uint8Array(32)); // another job: ignored
      pool.setTarget(9, hard);
      // Shares already in flight may be easy; once the thread has the new target, all are hard.
      let hardInARow = 0;
      while (hardInARow < 10) {
        const [share] = (await once(pool, 'share')) as [FoundShare];
        hardInARow = hashMeetsTarget(share.hash, hard) ? hardInARow + 1 : 0;
      }
      pool.idle();
      expect(pool.work).toBeNull();
    } finally {
      await pool.stop();
    }
  });
});
