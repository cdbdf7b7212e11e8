import { describe, expect, it } from 'vitest';
import { JobTokenStore } from '../../src/channels/job-tokens.js';

describe('JobTokenStore', () => {
  it('a token is declared once and spent once by a custom job', () => {
    const s = new JobTokenStore<string>();
    const t = s.allocate(1, 'alice', 100);
    expect(t.token).toHaveLength(16);
    expect(s.spendForDeclaration(t.token, 2, 100)).toBe('other-connection');
    const e = s.spendForDeclaration(t.token, 1, 100);
    expect(typeof e).toBe('object');
    expect(s.spendForDeclaration(t.token, 1, 101)).toBe('already-used');
    expect(s.spendForCustomJob(t.token, 101, false)).toBe('not-yet-validated'); // the declaration is being judged
    s.declare(t, 'job', 101);
    const spent = s.spendForCustomJob(t.token, 102, false);
    expect(typeof spent === 'object' && spent.job).toBe('job');
    expect(s.spendForCustomJob(t.token, 102, false)).toBe('already-used');
  });

  it('a refused declaration spends the token for good', () => {
    const s = new JobTokenStore<string>();
    const t = s.allocate(1, 'a', 0);
    s.spendForDeclaration(t.token, 1, 0);
    s.refuse(t);
    expect(s.spendForCustomJob(t.token, 1, true)).toBe('already-used');
    expect(s.spendForDeclaration(t.token, 1, 1)).toBe('already-used');
  });

  it('an allocated token is enough for a custom job only in Coinbase-only mode', () => {
    const s = new JobTokenStore<string>();
    const t = s.allocate(1, 'a', 0);
    expect(s.spendForCustomJob(t.token, 1, false)).toBe('not-declared');
    expect(typeof s.spendForCustomJob(t.token, 1, true)).toBe('object');
  });

  it('tokens expire, are unknown elsewhere, and are bounded per connection and in all', () => {
    const s = new JobTokenStore<string>({ lifetimeSecs: 10, maxPerConnection: 3, maxTotal: 5 });
    const old = s.allocate(1, 'a', 0);
    expect(s.spendForDeclaration(old.token, 1, 10)).toBe('expired');
    expect(s.spendForDeclaration(new Uint8Array(16), 1, 10)).toBe('unknown');
    const mine = [1, 2, 3, 4].map(() => s.allocate(1, 'a', 20));
    expect(s.spendForDeclaration(mine[0]!.token, 1, 20)).toBe('unknown'); // pushed out by its own fourth
    expect(s.size).toBe(3);
    for (let i = 0; i < 3; i++) s.allocate(2 + i, 'b', 20);
    expect(s.size).toBe(5);
    expect(s.spendForDeclaration(mine[1]!.token, 1, 20)).toBe('unknown'); // the oldest of all went
    s.prune(31);
    expect(s.size).toBe(0);
  });

  it('two allocations never give the same token', () => {
    const s = new JobTokenStore<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(s.allocate(1, 'a', 0).key);
    expect(seen.size).toBe(200);
  });
});
