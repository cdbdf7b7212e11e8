import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderHasher } from '../../src/bitcoin/header-hasher.js';
import { serializeHeader } from '../../src/bitcoin/header.js';
import { merkleRootFromPath } from '../../src/bitcoin/merkle.js';

const sha256d = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(createHash('sha256').update(b).digest()).digest());
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const h32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('HeaderHasher', () => {
  it('hashes like node:crypto, fresh and with the midstate reused', () => {
    const hasher = new HeaderHasher();
    fc.assert(
      fc.property(u32, h32, h32, u32, u32, u32, u32, (version, prevHash, merkleRoot, time, bits, nonce, nonce2) => {
        const h = { version, prevHash, merkleRoot, time, bits, nonce };
        expect(hasher.hash(version, prevHash, merkleRoot, time, bits, nonce)).toEqual(sha256d(serializeHeader(h)));
        expect(hasher.header).toEqual(serializeHeader(h));
        // Same job: only the last block changes.
        const again = serializeHeader({ ...h, time: (time + 1) >>> 0, nonce: nonce2 });
        expect(hasher.hash(version, prevHash, merkleRoot, time + 1, bits, nonce2)).toEqual(sha256d(again));
        expect(hasher.header).toEqual(again); // a found block's header is read from here
      }),
      { numRuns: 300 },
    );
  });

  it('recomputes the midstate when the version, prev hash or root changes', () => {
    const hasher = new HeaderHasher();
    const prev = new Uint8Array(32).fill(1);
    const root = new Uint8Array(32).fill(2);
    hasher.hash(0x20000000, prev, root, 1, 2, 3);
    const other = new Uint8Array(32).fill(9);
    for (const [v, p, r] of [[0x20000004, prev, root], [0x20000004, other, root], [0x20000004, other, other]] as const) {
      expect(hasher.hash(v, p, r, 1, 2, 3)).toEqual(sha256d(serializeHeader({ version: v, prevHash: p, merkleRoot: r, time: 1, bits: 2, nonce: 3 })));
    }
  });
});

describe('merkleRootFromPath (JavaScript SHA-256 steps)', () => {
  it('folds a path like node:crypto', () => {
    fc.assert(
      fc.property(h32, fc.array(h32, { maxLength: 14 }), (leaf, path) => {
        let root: Uint8Array = leaf.slice();
        for (const node of path) {
          const pair = new Uint8Array(64);
          pair.set(root, 0);
          pair.set(node, 32);
          root = sha256d(pair);
        }
        expect(merkleRootFromPath(leaf, path)).toEqual(root);
      }),
      { numRuns: 200 },
    );
  });
});
