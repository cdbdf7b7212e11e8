import { hash } from 'node:crypto';
import { jobMerkleRoot } from '../../bitcoin/coinbase.js';
import { hashMeetsTarget } from '../../bitcoin/target.js';
import { popcount32 } from '../../sv1/header.js';

/**
 * The coinbase around a rollable extranonce (extended channels, Sv1 jobs): each hashing thread
 * builds its own extranonces from it, hence its own merkle roots, so threads never share work.
 */
export interface CoinbaseRoll {
  /** Coinbase bytes up to the rollable extranonce, any fixed extranonce prefix included. */
  prefix: Uint8Array;
  suffix: Uint8Array;
  /** Merkle path of the coinbase, deepest first. */
  merklePath: Uint8Array[];
  /** Bytes the miner owns; 0 means the merkle root in `header` is final. */
  extranonceSize: number;
}

/** One unit of work: an 80-byte header whose nonce, version bits, extranonce and nTime the miner rolls. */
export interface SearchWork {
  /** The caller's id for this work; echoed in every result. */
  jobKey: number;
  /** version ‖ prev_hash ‖ merkle_root ‖ ntime ‖ nbits ‖ nonce, as hashed. */
  header: Uint8Array;
  /** Share target, 32 bytes little-endian (the Sv2 wire form). */
  target: Uint8Array;
  /** Version bits this miner may roll (BIP323 0x1FFFFFE0), or 0 for none. */
  versionRollingMask: number;
  coinbase?: CoinbaseRoll;
}

/** Which part of the search space a thread owns: lane `index` of `count`. */
export interface SearchLane {
  index: number;
  count: number;
}

export interface FoundShare {
  jobKey: number;
  nonce: number;
  version: number;
  ntime: number;
  /** The rolled extranonce, when the work has a CoinbaseRoll. */
  extranonce?: Uint8Array;
  /** SHA256d of the header, internal byte order. */
  hash: Uint8Array;
}

/** Spreads the low bits of `index` over the set bits of `mask`, lowest first (x86's PDEP). */
export function depositBits(index: number, mask: number): number {
  let out = 0;
  let m = mask >>> 0;
  let i = index;
  while (m !== 0 && i !== 0) {
    const low = m & -m;
    if (i & 1) out |= low;
    m ^= low;
    i = Math.floor(i / 2);
  }
  return out >>> 0;
}

/** Counters are written into at most this many extranonce bytes (2^48 values: plenty). */
const EXTRANONCE_COUNTER_BYTES = 6;

/**
 * Searches a thread's share of a job and returns every share found. Order of the search: the
 * nonce, then the version bits inside the mask, then the extranonce (when the work has one), then
 * nTime by one second. Threads are kept apart by lane: each takes every count-th version-bit
 * pattern (index, index + count, …) and they roll the extranonce alike; without rolling bits each
 * rolls its own extranonces that way; with neither, each takes a slice of the nonce range. Lanes
 * never meet, even after wraps.
 * Synchronous: a worker calls `run` in batches so new work can interrupt between batches.
 */
export class HeaderSearch {
  readonly header: Uint8Array;
  target: Uint8Array;
  private readonly view: DataView;
  private readonly baseVersion: number;
  private readonly mask: number;
  private readonly rollSpace: number; // number of version-bit patterns
  private readonly rollStart: number;
  private readonly rollStep: number;
  private roll: number;
  private readonly nonceStart: number;
  private readonly nonceEnd: number; // exclusive, ≤ 2^32
  private nonce: number;
  private readonly extranonceSpace: number;
  private readonly extranonceStart: number;
  private readonly extranonceStep: number;
  private extranonceCounter: number;
  private extranonce: Uint8Array | undefined;

  /** `startNonce` (inside the lane's nonce range) starts the first pass elsewhere than the range's start. */
  constructor(
    readonly work: SearchWork,
    lane: SearchLane = { index: 0, count: 1 },
    startNonce?: number,
  ) {
    if (!Number.isInteger(lane.count) || lane.count < 1 || !Number.isInteger(lane.index) || lane.index < 0 || lane.index >= lane.count) {
      throw new RangeError(`bad search lane ${lane.index} of ${lane.count}`);
    }
    this.header = Uint8Array.from(work.header);
    this.view = new DataView(this.header.buffer);
    this.target = work.target;
    this.baseVersion = this.view.getUint32(0, true);
    this.mask = work.versionRollingMask >>> 0;
    this.rollSpace = 2 ** popcount32(this.mask);
    const size = work.coinbase?.extranonceSize ?? 0;
    this.extranonceSpace = size > 0 ? 2 ** (8 * Math.min(size, EXTRANONCE_COUNTER_BYTES)) : 1;

    let split: 'extranonce' | 'version' | 'nonce' = 'nonce';
    // Version bits first: no merkle root to remake, and the extranonce roll can then be shared.
    if (this.rollSpace >= lane.count) split = 'version';
    else if (size > 0 && this.extranonceSpace >= lane.count) split = 'extranonce';
    const mine = (dimension: typeof split) => (split === dimension ? lane : { index: 0, count: 1 });

    const n = mine('nonce');
    this.nonceStart = Math.floor((n.index * 0x1_0000_0000) / n.count);
    this.nonceEnd = Math.floor(((n.index + 1) * 0x1_0000_0000) / n.count);
    this.nonce = this.nonceStart;
    if (startNonce !== undefined) {
      if (!(startNonce >= this.nonceStart && startNonce < this.nonceEnd)) throw new RangeError(`start nonce ${startNonce} is outside this lane's nonces`);
      this.nonce = startNonce;
    }
    const v = mine('version');
    this.rollStart = v.index;
    this.rollStep = v.count;
    this.roll = v.index;
    const e = mine('extranonce');
    this.extranonceStart = e.index;
    this.extranonceStep = e.count;
    this.extranonceCounter = e.index;

    this.applyRoll();
    if (size > 0) this.applyExtranonce();
  }

  get ntime(): number {
    return this.view.getUint32(68, true);
  }

  get version(): number {
    return this.view.getUint32(0, true);
  }

  /** The extranonce being hashed now (a copy), if the work rolls one. */
  get currentExtranonce(): Uint8Array | undefined {
    return this.extranonce?.slice();
  }

  run(count: number): FoundShare[] {
    const found: FoundShare[] = [];
    const { header, view } = this;
    for (let i = 0; i < count; i++) {
      view.setUint32(76, this.nonce, true);
      // one-shot hash() is ~40 % faster than two createHash objects
      const h = hash('sha256', hash('sha256', header, 'buffer'), 'buffer');
      if (hashMeetsTarget(h, this.target)) {
        const share: FoundShare = { jobKey: this.work.jobKey, nonce: this.nonce, version: view.getUint32(0, true), ntime: view.getUint32(68, true), hash: new Uint8Array(h) };
        if (this.extranonce !== undefined) share.extranonce = this.extranonce.slice();
        found.push(share);
      }
      this.nonce++;
      if (this.nonce >= this.nonceEnd) this.nextSpace();
    }
    return found;
  }

  /** The nonce range is spent: roll the version bits, else the extranonce, else move nTime on. */
  private nextSpace(): void {
    this.nonce = this.nonceStart;
    this.roll += this.rollStep;
    if (this.roll < this.rollSpace) {
      this.applyRoll();
      return;
    }
    this.roll = this.rollStart;
    this.applyRoll();
    if (this.extranonce !== undefined) {
      this.extranonceCounter += this.extranonceStep;
      if (this.extranonceCounter < this.extranonceSpace) {
        this.applyExtranonce();
        return;
      }
      this.extranonceCounter = this.extranonceStart;
      this.applyExtranonce();
    }
    this.view.setUint32(68, (this.view.getUint32(68, true) + 1) >>> 0, true);
  }

  private applyRoll(): void {
    if (this.mask === 0) return;
    this.view.setUint32(0, ((this.baseVersion & ~this.mask) | depositBits(this.roll, this.mask)) >>> 0, true);
  }

  private applyExtranonce(): void {
    const cb = this.work.coinbase!;
    const extranonce = new Uint8Array(cb.extranonceSize);
    let c = this.extranonceCounter;
    for (let i = 0; i < Math.min(cb.extranonceSize, EXTRANONCE_COUNTER_BYTES); i++) {
      extranonce[i] = c % 256;
      c = Math.floor(c / 256);
    }
    this.extranonce = extranonce;
    this.header.set(jobMerkleRoot(cb.prefix, extranonce, cb.suffix, cb.merklePath), 36);
  }
}
