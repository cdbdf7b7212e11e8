/** A FIFO of received chunks that hands out exact-length reads without re-concatenating everything. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private first = 0; // index of the oldest unread chunk in `chunks`
  private head = 0; // read offset inside chunks[first]
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // A Buffer's subarray makes a Buffer (through its species): reads from a plain view cost less.
    this.chunks.push(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.total += chunk.length;
  }

  /** Removes and returns the next `n` bytes (n ≤ length); a view when they sit in one chunk. */
  read(n: number): Uint8Array {
    if (n > this.total) throw new RangeError(`read of ${n} bytes from a queue holding ${this.total}`);
    const first = this.chunks[this.first];
    if (first !== undefined && first.length - this.head >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.advance(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.first]!;
      const take = Math.min(n - filled, chunk.length - this.head);
      out.set(chunk.subarray(this.head, this.head + take), filled);
      filled += take;
      this.advance(take);
    }
    return out;
  }

  /** Removes and returns everything queued. */
  drain(): Uint8Array {
    return this.read(this.total);
  }

  private advance(n: number): void {
    this.head += n;
    this.total -= n;
    if (this.head === this.chunks[this.first]!.length) {
      this.head = 0;
      this.first++;
      // Drop consumed chunks in one go, not one shift() each: a peer sending a frame a byte at a
      // time would otherwise cost time quadratic in its size.
      if (this.first === this.chunks.length) {
        this.chunks = [];
        this.first = 0;
      } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
        this.chunks = this.chunks.slice(this.first);
        this.first = 0;
      }
    }
  }
}
