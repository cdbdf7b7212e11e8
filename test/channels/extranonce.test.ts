import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelError, ExtranonceAllocator, indexBytesFor, serverIdPrefix } from '../../src/channels/index.js';
import { MiningErrorCode } from '../../src/messages/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ChannelError) return e.errorCode;
    throw e;
  }
  return undefined;
}

describe('extranonce allocator', () => {
  it('lays out server id ‖ index ‖ rollable (the SRI pool example: 20 bytes, 65 536 channels)', () => {
    const a = ExtranonceAllocator.forPool({ totalLength: 20, maxChannels: 65_536, serverId: 1 });
    expect(a.indexLength).toBe(2);
    expect(a.prefixLength).toBe(4);
    expect(a.rollableSize).toBe(16);
    const ext = a.allocateExtended(16);
    expect(hex(ext.extranoncePrefix)).toBe('00010000');
    expect(ext.extranonceSize).toBe(16);
    const std = a.allocateStandard();
    expect(std.length).toBe(20);
    expect(hex(std)).toBe('00010001' + '00'.repeat(16));
    expect(a.allocated).toBe(2);
  });

  it('derives the index width from max channels', () => {
    expect([1, 2, 256, 257, 65_536, 65_537, 16_777_216].map(indexBytesFor)).toEqual([1, 1, 1, 2, 2, 3, 3]);
    expect(hex(serverIdPrefix(0x0102))).toBe('0102');
    expect(hex(serverIdPrefix(7, 1))).toBe('07');
    expect(code(() => serverIdPrefix(256, 1))).toBe('extranonce-config');
  });

  it('refuses a min_extranonce_size that does not fit, with the spec error code', () => {
    const a = new ExtranonceAllocator({ totalLength: 20, maxChannels: 256 });
    expect(a.rollableSize).toBe(19);
    expect(code(() => a.allocateExtended(20))).toBe(MiningErrorCode.MinExtranonceSizeTooLarge);
    expect(code(() => new ExtranonceAllocator({ totalLength: 33, maxChannels: 256 }))).toBe('extranonce-config');
    expect(code(() => new ExtranonceAllocator({ totalLength: 2, localPrefix: Uint8Array.of(1, 2), maxChannels: 256 }))).toBe(MiningErrorCode.MinExtranonceSizeTooLarge);
    expect(code(() => ExtranonceAllocator.fromUpstream({ upstreamPrefix: new Uint8Array(20), upstreamExtranonceSize: 0, maxChannels: 256 }))).toBe(
      MiningErrorCode.MinExtranonceSizeTooLarge,
    );
  });

  it('is bounded: exhaustion is an error, a release frees a slot, freed slots are reused last', () => {
    const a = new ExtranonceAllocator({ totalLength: 8, maxChannels: 4 });
    const p = [0, 1, 2, 3].map(() => a.allocateStandard());
    expect(code(() => a.allocateStandard())).toBe('extranonce-space-exhausted');
    expect(a.release(p[1]!)).toBe(true);
    expect(a.release(p[1]!)).toBe(false);
    expect(hex(a.allocateStandard())).toBe(hex(p[1]!));
    const b = new ExtranonceAllocator({ totalLength: 8, maxChannels: 10 });
    const first = b.allocateStandard();
    b.release(first);
    expect(hex(b.allocateStandard())).not.toBe(hex(first));
    expect(b.release(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9))).toBe(false);
    expect(b.release(new Uint8Array(3))).toBe(false);
  });

  it('fills a large allocator completely, then finds the one freed slot (word-skipping scan)', () => {
    const a = new ExtranonceAllocator({ totalLength: 8, maxChannels: 70_000 });
    expect(a.indexLength).toBe(3);
    const all = new Set<string>();
    let middle: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 70_000; i++) {
      const p = a.allocateStandard();
      all.add(hex(p));
      if (i === 40_001) middle = p;
    }
    expect(all.size).toBe(70_000);
    expect(code(() => a.allocateStandard())).toBe('extranonce-space-exhausted');
    a.release(middle);
    expect(hex(a.allocateStandard())).toBe(hex(middle));
  });

  it('a proxy subdivides its upstream space: upstream ‖ local ‖ index', () => {
    const upstreamPrefix = Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd);
    const a = ExtranonceAllocator.fromUpstream({ upstreamPrefix, upstreamExtranonceSize: 16, maxChannels: 256, localPrefix: new Uint8Array(11).fill(0x42) });
    expect(a.totalLength).toBe(20);
    expect(a.rollableSize).toBe(4);
    expect(hex(a.allocateExtended(4).extranoncePrefix)).toBe('aabbccdd' + '42'.repeat(11) + '00');
  });

  it('property: live prefixes are unique, and nested layers never overlap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 300 }),
        fc.integer({ min: 0, max: 3 }),
        (maxChannels, ops, serverId) => {
          const pool = ExtranonceAllocator.forPool({ totalLength: 32, maxChannels, serverId });
          const live = new Map<string, Uint8Array>();
          for (const [alloc, pick] of ops) {
            if (alloc && live.size < maxChannels) {
              const p = pool.allocateExtended(0).extranoncePrefix;
              expect(live.has(hex(p))).toBe(false);
              live.set(hex(p), p);
            } else if (live.size > 0) {
              const k = [...live.keys()][pick % live.size]!;
              expect(pool.release(live.get(k)!)).toBe(true);
              live.delete(k);
            }
            expect(pool.allocated).toBe(live.size);
          }
          return true;
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: full extranonces from three nested layers are all distinct and keep each parent prefix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 }), (n1, n2, serverId) => {
        const pool = ExtranonceAllocator.forPool({ totalLength: 16, maxChannels: 8, serverId });
        const seen = new Set<string>();
        for (let i = 0; i < n1; i++) {
          const up = pool.allocateExtended(8);
          const proxy = ExtranonceAllocator.fromUpstream({ upstreamPrefix: up.extranoncePrefix, upstreamExtranonceSize: up.extranonceSize, maxChannels: 8 });
          for (let j = 0; j < n2; j++) {
            const down = proxy.allocateExtended(2);
            expect(hex(down.extranoncePrefix).startsWith(hex(up.extranoncePrefix))).toBe(true);
            const inner = ExtranonceAllocator.fromUpstream({ upstreamPrefix: down.extranoncePrefix, upstreamExtranonceSize: down.extranonceSize, maxChannels: 2 });
            for (const std of [inner.allocateStandard(), inner.allocateStandard()]) {
              expect(std.length).toBe(16);
              expect(seen.has(hex(std))).toBe(false);
              seen.add(hex(std));
            }
          }
        }
        return seen.size === n1 * n2 * 2;
      }),
      { numRuns: 60 },
    );
  });
});
