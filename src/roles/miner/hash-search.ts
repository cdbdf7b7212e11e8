import { createHash } from 'node:crypto';

/** One unit of header-only work: an 80-byte header whose nonce (and optionally version bits) the miner rolls. */
export interface SearchWork {
  /** The caller's id for the job this header belongs to; echoed in every result. */
  jobKey: number;
  /** version ‖ prev_hash ‖ merkle_root ‖ ntime ‖ nbits ‖ nonce, as hashed. */
  header: Uint8Array;
  /** Share target, 32 bytes little-endian (the Sv2 wire form). */
  target: Uint8Array;
  /** Version bits this miner may roll (BIP323 0x1FFFFFE0), or 0 for none. */
  versionRollingMask: number;
}

export interface FoundShare {
  jobKey: number;
  nonce: number;
  version: number;
  ntime: number;
  /** SHA256d of the header, internal byte order. */
  hash: Uint8Array;
}

/** hash ≤ target, both 256-bit little-endian: compare from the most significant byte. */
export function meetsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h < t;
  }
  return true;
}

/**
 * Searches `count` nonces from `startNonce` on a private copy of the header and returns every
 * share found. When the nonce wraps past 2^32 the next version-rolling value is used, and without
 * rolling bits the ntime moves forward by one second. Pure and synchronous: a worker calls it in
 * batches so that new work can interrupt between batches.
 */
export class HeaderSearch {
  readonly header: Uint8Array;
  private readonly view: DataView;
  private nonce: number;
  private rollBits = 0;
  private readonly baseVersion: number;

  constructor(readonly work: SearchWork, startNonce = 0) {
    this.header = Uint8Array.from(work.header);
    this.view = new DataView(this.header.buffer);
    this.nonce = startNonce >>> 0;
    this.baseVersion = this.view.getUint32(0, true);
  }

  get ntime(): number {
    return this.view.getUint32(68, true);
  }

  run(count: number): FoundShare[] {
    const found: FoundShare[] = [];
    const { header, view, work } = this;
    for (let i = 0; i < count; i++) {
      view.setUint32(76, this.nonce, true);
      const hash = createHash('sha256').update(createHash('sha256').update(header).digest()).digest();
      if (meetsTarget(hash, work.target)) {
        found.push({ jobKey: work.jobKey, nonce: this.nonce, version: view.getUint32(0, true), ntime: view.getUint32(68, true), hash: new Uint8Array(hash) });
      }
      this.nonce = (this.nonce + 1) >>> 0;
      if (this.nonce === 0) this.nextSpace();
    }
    return found;
  }

  /** The nonce range is spent: roll the version bits, or move ntime on by one second. */
  private nextSpace(): void {
    const mask = this.work.versionRollingMask >>> 0;
    if (mask !== 0) {
      // Next subset of the mask's bits, in increasing order; wraps to 0 when all were used.
      this.rollBits = ((this.rollBits | ~mask) + 1) & mask;
      this.view.setUint32(0, ((this.baseVersion & ~mask) | this.rollBits) >>> 0, true);
      if (this.rollBits !== 0) return;
    }
    this.view.setUint32(68, (this.view.getUint32(68, true) + 1) >>> 0, true);
  }
}
