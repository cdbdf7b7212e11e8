/**
 * Addresses cut off for abuse (a share flood, a protocol violation) wait before they may connect
 * again: 1 s after the first cut, doubling with each cut that follows within the decay time, up to
 * a cap. A flooder that reconnects at once costs a handshake and a flood per cycle; with the wait,
 * the cycles thin out to one per cap. Connections already open from the address are not touched,
 * so the other devices of a farm behind the same address keep mining.
 */

interface Record {
  strikes: number;
  until: number;
  last: number;
}

/** Addresses remembered at most; the least recently struck is forgotten first. */
const MAX_TRACKED = 65_536;
const FIRST_MS = 1_000;
/** Strikes are forgotten after this long without another. */
const DECAY_MS = 10 * 60_000;

export class PenaltyBox {
  private readonly byAddress = new Map<string, Record>();

  constructor(private readonly maxMs: number) {}

  /** One more cut for `address`; returns how long it must now wait (ms). */
  strike(address: string, now: number): number {
    if (this.maxMs <= 0) return 0;
    const previous = this.byAddress.get(address);
    const strikes = previous !== undefined && now - previous.last < DECAY_MS ? previous.strikes + 1 : 1;
    const wait = Math.min(this.maxMs, FIRST_MS * 2 ** Math.min(30, strikes - 1));
    this.byAddress.delete(address); // re-inserted: the map stays in order of last strike
    if (this.byAddress.size >= MAX_TRACKED) this.byAddress.delete(this.byAddress.keys().next().value!);
    this.byAddress.set(address, { strikes, until: now + wait, last: now });
    return wait;
  }

  /** Whether `address` is still waiting. */
  waiting(address: string, now: number): boolean {
    const r = this.byAddress.get(address);
    return r !== undefined && now < r.until;
  }
}
