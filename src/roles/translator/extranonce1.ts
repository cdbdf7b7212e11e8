/**
 * Hands out the Sv1 extranonce1 values: `size` bytes, unique among connected miners, reused
 * after a miner leaves (oldest freed first, so a value is not handed straight back while its
 * last shares may still be in flight). The translator owns these bytes inside every upstream
 * channel's extranonce space, so a miner keeps its extranonce1 across upstream reconnects and
 * fallbacks: no `mining.set_extranonce` and no reconnect is ever needed.
 */
export class Extranonce1Allocator {
  readonly size: number;
  readonly capacity: number;
  private next = 0;
  private readonly freed: number[] = [];
  private freedHead = 0;
  private inUse = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > 4) throw new RangeError(`extranonce1 size must be 1..4 bytes, got ${size}`);
    this.size = size;
    this.capacity = 2 ** (8 * size);
  }

  get allocated(): number {
    return this.inUse;
  }

  /** A fresh value, or null when every value is taken. */
  allocate(): Uint8Array | null {
    let value: number;
    if (this.next < this.capacity) value = this.next++;
    else if (this.freedHead < this.freed.length) value = this.freed[this.freedHead++]!;
    else return null;
    if (this.freedHead > 1024 && this.freedHead * 2 > this.freed.length) {
      this.freed.splice(0, this.freedHead);
      this.freedHead = 0;
    }
    this.inUse++;
    return this.encode(value);
  }

  release(extranonce1: Uint8Array): void {
    if (extranonce1.length !== this.size) return;
    let value = 0;
    for (const b of extranonce1) value = value * 256 + b;
    this.freed.push(value);
    this.inUse--;
  }

  private encode(value: number): Uint8Array {
    const out = new Uint8Array(this.size);
    let v = value;
    for (let i = this.size - 1; i >= 0; i--) {
      out[i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    return out;
  }
}
