/**
 * Decides when a peer has sent too many bad lines: at most `maxBadLines` among its last
 * `windowLines` lines. A miner with a rare glitch keeps its connection; a flood of garbage (or
 * a peer that is not speaking Sv1 at all) is cut off. Memory is one byte per window line.
 */
export class BadLineBudget {
  readonly maxBadLines: number;
  readonly windowLines: number;
  private readonly window: Uint8Array;
  private next = 0;
  private bad = 0;

  constructor(options: { maxBadLines?: number; windowLines?: number } = {}) {
    this.maxBadLines = options.maxBadLines ?? 10;
    this.windowLines = options.windowLines ?? 100;
    if (!Number.isInteger(this.maxBadLines) || this.maxBadLines < 1) throw new RangeError(`maxBadLines must be a positive integer, got ${this.maxBadLines}`);
    if (!Number.isInteger(this.windowLines) || this.windowLines < this.maxBadLines) {
      throw new RangeError(`windowLines must be an integer ≥ maxBadLines, got ${this.windowLines}`);
    }
    this.window = new Uint8Array(this.windowLines);
  }

  /** Bad lines among the last `windowLines`. */
  get badLines(): number {
    return this.bad;
  }

  /** Records one line; returns true when the peer should now be disconnected. */
  record(isBad: boolean): boolean {
    this.bad -= this.window[this.next]!;
    this.window[this.next] = isBad ? 1 : 0;
    this.bad += isBad ? 1 : 0;
    this.next = (this.next + 1) % this.windowLines;
    return this.bad >= this.maxBadLines;
  }
}
