/**
 * Each user's measured hashrate, in memory: for /api/v1/users and the per-user metrics. Bounded:
 * a user with no share for `idleMs` is forgotten (its totals stay in the database), and at most
 * `maxUsers` are tracked (the one idle longest makes room).
 */
import { HashrateMeter } from '../../channels/hashrate.js';
import type { UserRef } from './share-store.js';

interface Entry {
  user: UserRef;
  meter: HashrateMeter;
  lastShareAt: number;
}

export class UserActivity {
  private readonly users = new Map<string, Entry>();

  constructor(private readonly opts: { idleMs: number; maxUsers: number } = { idleMs: 15 * 60_000, maxUsers: 100_000 }) {}

  onShare(user: UserRef, difficulty: number, now: number): void {
    const key = `${user.kind}:${user.name}`;
    let e = this.users.get(key);
    if (e === undefined) {
      if (this.users.size >= this.opts.maxUsers) this.prune(now, true);
      e = { user, meter: new HashrateMeter(now), lastShareAt: now };
      this.users.set(key, e);
    } else {
      // Map order is last-share order: the first entry is always the one idle longest.
      this.users.delete(key);
      this.users.set(key, e);
    }
    e.meter.record(difficulty, now);
    e.lastShareAt = now;
  }

  hashrate(kind: UserRef['kind'], name: string, now: number): number {
    return this.users.get(`${kind}:${name}`)?.meter.hashrate(now) ?? 0;
  }

  /** The `k` users with the highest hashrate now, and the hashrate of all the others together. */
  top(k: number, now: number): { users: { user: UserRef; hashrate: number }[]; others: number } {
    this.prune(now, false);
    const all = [...this.users.values()].map((e) => ({ user: e.user, hashrate: e.meter.hashrate(now) ?? 0 }));
    all.sort((a, b) => b.hashrate - a.hashrate);
    return { users: all.slice(0, k), others: all.slice(k).reduce((s, u) => s + u.hashrate, 0) };
  }

  private prune(now: number, atLeastOne: boolean): void {
    for (const [key, e] of this.users) {
      if (now - e.lastShareAt < this.opts.idleMs && !atLeastOne) break;
      this.users.delete(key);
      atLeastOne = false;
    }
  }
}
