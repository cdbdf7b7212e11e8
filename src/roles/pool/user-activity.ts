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
  /** Forgotten by prune (a UserRef may still point to it). */
  gone: boolean;
}

export class UserActivity {
  private readonly users = new Map<string, Entry>();
  /** A channel's shares all carry the same UserRef: its entry without building a key. */
  private readonly byRef = new WeakMap<UserRef, Entry>();

  constructor(private readonly opts: { idleMs: number; maxUsers: number } = { idleMs: 15 * 60_000, maxUsers: 100_000 }) {}

  onShare(user: UserRef, difficulty: number, now: number): void {
    let e = this.byRef.get(user);
    if (e === undefined || e.gone) {
      const key = `${user.kind}:${user.name}`;
      e = this.users.get(key);
      if (e === undefined) {
        if (this.users.size >= this.opts.maxUsers) this.prune(now, true);
        e = { user, meter: new HashrateMeter(now), lastShareAt: now, gone: false };
        this.users.set(key, e);
      }
      this.byRef.set(user, e);
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

  /** Forgets idle users; when full, also the one idle longest. O(users), at scrape time or when a new user finds it full. */
  private prune(now: number, makeRoom: boolean): void {
    let oldest: [string, number] | undefined;
    for (const [key, e] of this.users) {
      if (now - e.lastShareAt >= this.opts.idleMs) {
        this.users.delete(key);
        e.gone = true;
        makeRoom = false;
      } else if (oldest === undefined || e.lastShareAt < oldest[1]) oldest = [key, e.lastShareAt];
    }
    if (makeRoom && oldest !== undefined) {
      this.users.get(oldest[0])!.gone = true;
      this.users.delete(oldest[0]);
    }
  }
}
