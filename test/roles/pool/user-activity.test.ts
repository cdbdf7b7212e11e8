import { describe, expect, it } from 'vitest';
import { UserActivity } from '../../../src/roles/pool/user-activity.js';

const user = (i: number) => ({ name: `u${i}`, kind: 'account' as const, address: null });

describe('per-user activity', () => {
  it('reports the k most active users and the rest together, and forgets idle users and the overflow', () => {
    const a = new UserActivity({ idleMs: 60_000, maxUsers: 50 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 60; i++) for (let n = 0; n <= i; n++) a.onShare(user(i), 1, t0 + n);
    const top = a.top(5, t0 + 1000);
    expect(top.users.map((u) => u.user.name)).toEqual(['u59', 'u58', 'u57', 'u56', 'u55']);
    expect(top.others).toBeGreaterThan(0);
    // At most 50 are tracked: the ten that were idle longest (u0…u9) made room.
    expect(a.hashrate('account', 'u0', t0 + 1000)).toBe(0);
    expect(a.hashrate('account', 'u10', t0 + 1000)).toBeGreaterThan(0);
    // Ten minutes without a share: gone.
    a.onShare(user(99), 1, t0 + 600_000);
    expect(a.top(100, t0 + 600_000).users.map((u) => u.user.name)).toEqual(['u99']);
  });
});
