import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobIdSequence, JobStore, SeenShares, ShareAccounting } from '../../src/channels/index.js';

interface J {
  jobId: number;
}

describe('job store', () => {
  it('moves jobs future → active → past → stale', () => {
    const s = new JobStore<J>({ maxFutureJobs: 4, maxPastJobs: 2, maxStaleJobs: 3 });
    s.addFuture(10n, { jobId: 1 });
    s.addFuture(11n, { jobId: 2 });
    expect(s.lookup(1)).toBeUndefined(); // future jobs take no shares
    expect(s.activateFuture(99n)).toBeUndefined();
    expect(s.activateFuture(10n)).toEqual({ jobId: 1 });
    expect(s.futureCount).toBe(0); // the other future job died with the new prev hash
    s.setActive({ jobId: 3 });
    s.setActive({ jobId: 4 });
    expect(s.active).toEqual({ jobId: 4 });
    expect([1, 3].map((id) => s.lookup(id)?.jobId)).toEqual([1, 3]);
    s.setActive({ jobId: 5 }); // past holds 2: job 1 is pushed out to stale
    expect(s.lookup(1)).toBeUndefined();
    expect(s.isStale(1)).toBe(true);
    s.addFuture(12n, { jobId: 6 });
    s.activateFuture(12n);
    expect([3, 4, 5].every((id) => s.isStale(id) && s.lookup(id) === undefined)).toBe(true);
    expect(s.staleCount).toBe(3);
    expect(s.holds(6) && s.holds(3) && !s.holds(77)).toBe(true);
    s.retireAll();
    expect(s.active).toBeNull();
    expect(s.isStale(6)).toBe(true);
    expect(s.isStale(1)).toBe(false); // the stale set is bounded too
  });

  it('a re-sent template replaces its future job', () => {
    const s = new JobStore<J>();
    s.addFuture(1n, { jobId: 1 });
    s.addFuture(1n, { jobId: 2 });
    expect(s.futureCount).toBe(1);
    expect(s.future(1n)).toEqual({ jobId: 2 });
  });

  it('property: every set stays within its bound whatever the sequence of events', () => {
    const limits = { maxFutureJobs: 3, maxPastJobs: 4, maxStaleJobs: 5 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 })), { maxLength: 200 }), (events) => {
        const s = new JobStore<J>(limits);
        const ids = new JobIdSequence();
        for (const [kind, key] of events) {
          if (kind === 0) s.addFuture(BigInt(key), { jobId: ids.next() });
          else if (kind === 1) s.setActive({ jobId: ids.next() });
          else if (kind === 2) s.activateFuture(BigInt(key));
          else s.retireAll();
          expect(s.futureCount).toBeLessThanOrEqual(limits.maxFutureJobs);
          expect(s.pastCount).toBeLessThanOrEqual(limits.maxPastJobs);
          expect(s.staleCount).toBeLessThanOrEqual(limits.maxStaleJobs);
          // a job id is never both valid and stale
          for (const j of s.validJobs()) expect(s.isStale(j.jobId)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('property: judges ids as the walk-and-mark store did (valid, stale, unknown), and reused ids keep the bounds', () => {
    /** The store before generations: every job of the old prev hash marked stale one by one. */
    class Walked {
      futures = new Map<bigint, number>();
      active: number | null = null;
      past = new Set<number>();
      stale = new Set<number>();
      addFuture(key: bigint, id: number): void {
        this.futures.delete(key);
        this.futures.set(key, id);
        if (this.futures.size > 3) this.futures.delete(this.futures.keys().next().value!);
      }
      activate(key: bigint): void {
        const id = this.futures.get(key);
        if (id === undefined) return;
        this.retire();
        this.futures.clear();
        this.active = id;
      }
      setActive(id: number): void {
        if (this.active !== null) this.past.add(this.active);
        this.active = id;
        if (this.past.size > 4) {
          const oldest = this.past.values().next().value!;
          this.past.delete(oldest);
          this.stale.add(oldest);
        }
      }
      retire(): void {
        if (this.active !== null) this.stale.add(this.active);
        for (const id of this.past) this.stale.add(id);
        this.active = null;
        this.past.clear();
      }
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 })), { maxLength: 200 }), fc.boolean(), (events, reuse) => {
        // Unbounded stale ids: the two must agree id for id. Reused ids: only the bounds are checked.
        const limits = { maxFutureJobs: 3, maxPastJobs: 4, maxStaleJobs: reuse ? 5 : 10_000 };
        const s = new JobStore<J>(limits);
        const model = new Walked();
        const ids = new JobIdSequence();
        let last = 0;
        for (const [kind, key] of events) {
          const id = reuse ? 1 + (key % 5) : ids.next();
          if (kind === 0) {
            s.addFuture(BigInt(key), { jobId: id });
            model.addFuture(BigInt(key), id);
          } else if (kind === 1) {
            s.setActive({ jobId: id });
            model.setActive(id);
          } else if (kind === 2) {
            s.activateFuture(BigInt(key));
            model.activate(BigInt(key));
          } else {
            s.retireAll();
            model.retire();
          }
          last = Math.max(last, id);
          expect(s.staleCount).toBeGreaterThanOrEqual(0);
          expect(s.staleCount).toBeLessThanOrEqual(limits.maxStaleJobs);
          for (let j = 1; j <= last; j++) {
            expect(s.isStale(j) && s.lookup(j) !== undefined).toBe(false);
            if (reuse) continue;
            expect(s.lookup(j) !== undefined).toBe(model.active === j || model.past.has(j));
            expect(s.isStale(j)).toBe(model.stale.has(j));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('job ids are unique and wrap past 2^32 - 1 without 0', () => {
    const ids = new JobIdSequence(0xfffffffe);
    expect([ids.next(), ids.next(), ids.next()]).toEqual([0xffffffff, 1, 2]);
  });
});

describe('share accounting', () => {
  it('acks every batch with its own count and difficulty sum (the spec example: 3·Da + 7·Db)', () => {
    const a = new ShareAccounting(7, 10);
    const acks = [];
    for (let seq = 1; seq <= 10; seq++) acks.push(a.accept(seq, seq <= 3 ? 100 : 250, 0));
    expect(acks.slice(0, 9).every((x) => x === null)).toBe(true);
    expect(acks[9]).toEqual({ channelId: 7, lastSequenceNumber: 10, newSubmitsAcceptedCount: 10, newSharesSum: 3n * 100n + 7n * 250n });
    expect(a.flush()).toBeNull();
    a.accept(11, 1.9, 0);
    a.accept(12, 1.9, 0);
    a.reject('difficulty-too-low');
    // A timer flush acks a partial batch; sums are truncated to an integer, like SRI.
    expect(a.flush()).toEqual({ channelId: 7, lastSequenceNumber: 12, newSubmitsAcceptedCount: 2, newSharesSum: 3n });
    expect(a.accepted).toBe(12);
    expect(a.rejectedTotal).toBe(1);
  });

  it('property: the duplicate set is a set of at most `limit` hashes that never forgets until cleared', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 600 }), fc.integer({ min: 1, max: 200 }), (picks, limit) => {
        // Many hashes share a home slot (same low byte) so probing and table growth run.
        const hashes = Array.from({ length: 301 }, (_, i) => {
          const h = new Uint8Array(32);
          h[0] = i % 5;
          h[4] = i & 0xff;
          h[5] = i >> 8;
          return h;
        });
        const seen = new SeenShares(limit);
        const model = new Set<number>();
        for (const p of picks) {
          const expected = model.has(p) ? 'duplicate' : model.size === limit ? 'full' : 'new';
          expect(seen.add(hashes[p]!)).toBe(expected);
          if (expected === 'new') model.add(p);
          expect(seen.size).toBe(model.size);
        }
        seen.clear();
        expect(seen.size).toBe(0);
        if (picks.length > 0) expect(seen.add(hashes[picks[0]!]!)).toBe('new');
      }),
      { numRuns: 200 },
    );
  });
});
