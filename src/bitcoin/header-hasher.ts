/**
 * SHA256d of an 80-byte block header with the first 64 bytes' midstate kept: a share of the same
 * job, version and prev hash changes only the last 16 bytes (end of the root, time, bits, nonce),
 * so its hash costs two SHA-256 compressions (the header's second block, then the second hash)
 * instead of three, in plain JavaScript without a call into the native hash per share.
 * SHA-256 as FIPS 180-4 defines it; checked against node:crypto in test/bitcoin.
 */
import { HEADER_SIZE, writeHeader } from './header.js';

/** The first 32 bits of the fractional parts of the cube roots (K) and square roots (H0) of the first primes. */
function primes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
  return out;
}
const frac32 = (x: number): number => Math.floor((x - Math.floor(x)) * 2 ** 32) | 0;
const K = Int32Array.from(primes(64), (p) => frac32(Math.cbrt(p)));
const H0 = Int32Array.from(primes(8), (p) => frac32(Math.sqrt(p)));

const W = new Int32Array(64);

/** One compression: `state` ← state + f(state, W[0..15]), W extended in place. */
function compress(state: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

const be32 = (b: Uint8Array, o: number): number => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;

export class HeaderHasher {
  /** The 80 bytes last hashed (a found block's header is read from here). */
  readonly header = new Uint8Array(HEADER_SIZE);
  private readonly mid = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private midVersion = 0;
  private midPrev: Uint8Array | null = null;
  private midRoot: Uint8Array | null = null;

  /**
   * The header's SHA256d (internal byte order), a new 32-byte array. The midstate is reused while
   * `version`, `prevHash` and `merkleRoot` are the same values as the last call's (the arrays are
   * compared by identity: a caller must not change their bytes in place between calls).
   */
  hash(version: number, prevHash: Uint8Array, merkleRoot: Uint8Array, time: number, bits: number, nonce: number): Uint8Array {
    const hdr = this.header;
    writeHeader(hdr, 0, version, prevHash, merkleRoot, time, bits, nonce);
    const mid = this.mid;
    if (version !== this.midVersion || prevHash !== this.midPrev || merkleRoot !== this.midRoot) {
      mid.set(H0);
      for (let i = 0; i < 16; i++) W[i] = be32(hdr, i * 4);
      compress(mid);
      this.midVersion = version;
      this.midPrev = prevHash;
      this.midRoot = merkleRoot;
    }
    const s = this.state;
    s.set(mid);
    W[0] = be32(hdr, 64);
    W[1] = be32(hdr, 68);
    W[2] = be32(hdr, 72);
    W[3] = be32(hdr, 76);
    W[4] = 0x80000000 | 0;
    for (let i = 5; i < 15; i++) W[i] = 0;
    W[15] = HEADER_SIZE * 8;
    compress(s);
    // The second hash: the 32-byte digest, padded, in one block.
    for (let i = 0; i < 8; i++) W[i] = s[i]!;
    W[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) W[i] = 0;
    W[15] = 256;
    s.set(H0);
    compress(s);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const v = s[i]!;
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = (v >>> 16) & 0xff;
      out[i * 4 + 2] = (v >>> 8) & 0xff;
      out[i * 4 + 3] = v & 0xff;
    }
    return out;
  }
}
