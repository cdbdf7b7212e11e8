/**
 * Handshake admission: token buckets, one for the listener and one per peer address. A handshake
 * costs a few milliseconds of CPU; the listener's bucket keeps their sum below what connected
 * miners need, and the per-address one keeps a single flooding address from taking all of it,
 * so miners elsewhere still get in.
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** Addresses remembered at most; the least recently seen is forgotten first (a full bucket anyway). */
const MAX_TRACKED = 65_536;

export class HandshakeRate {
  private readonly total: Bucket;
  private readonly byAddress = new Map<string, Bucket>();

  /** Rates in handshakes per second, each with a burst of as many; undefined: no limit. */
  constructor(
    private readonly perSecond: number | undefined,
    private readonly perAddressPerSecond: number | undefined,
    now: number,
  ) {
    this.total = { tokens: perSecond ?? Infinity, at: now };
  }

  /** Takes a token for `address` (and the listener); false, and nothing taken, when either is empty. */
  admit(address: string, now: number): 'ok' | 'per-ip' | 'total' {
    if (this.perAddressPerSecond !== undefined) {
      let b = this.byAddress.get(address);
      if (b === undefined) {
        if (this.byAddress.size >= MAX_TRACKED) this.byAddress.delete(this.byAddress.keys().next().value!);
        b = { tokens: this.perAddressPerSecond, at: now };
      } else this.byAddress.delete(address); // re-inserted below: the map stays in order of last use
      this.byAddress.set(address, b);
      refill(b, this.perAddressPerSecond, now);
      if (b.tokens < 1) return 'per-ip';
      if (!this.takeTotal(now)) return 'total';
      b.tokens--;
      return 'ok';
    }
    return this.takeTotal(now) ? 'ok' : 'total';
  }

  private takeTotal(now: number): boolean {
    if (this.perSecond === undefined) return true;
    refill(this.total, this.perSecond, now);
    if (this.total.tokens < 1) return false;
    this.total.tokens--;
    return true;
  }
}

function refill(b: Bucket, rate: number, now: number): void {
  b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
  b.at = now;
}
