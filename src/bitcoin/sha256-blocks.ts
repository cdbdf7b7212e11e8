/**
 * The SHA-256 compression function (FIPS 180-4) for the fixed, small inputs of the share and job
 * paths (an 80-byte header, a 64-byte merkle pair): in plain JavaScript over Int32Array words, no
 * allocation and no native call per hash. Checked against node:crypto in test/bitcoin.
 */
import { makeCompress, makeCompressConstant, makeCompressHeaderTail, makeHashDigest } from './sha256-unrolled.js';

/** The first 32 bits of the fractional parts of the cube roots (K) and square roots (H0) of the first primes. */
function primes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
  return out;
}
const frac32 = (x: number): number => Math.floor((x - Math.floor(x)) * 2 ** 32) | 0;
const K = Int32Array.from(primes(64), (p) => frac32(Math.cbrt(p)));
export const H0 = Int32Array.from(primes(8), (p) => frac32(Math.sqrt(p)));

/** The message block compress() reads: callers fill W[0..15] first. */
export const W = new Int32Array(16);

/** One compression: `state` ← state + f(state, W[0..15]) (generated, unrolled: sha256-unrolled.ts). */
export const compress: (state: Int32Array) => void = makeCompress(K, W);

/** An 80-byte header's second block: `state` ← state + f(state, its last 16 bytes as words, the padding). */
export const compressHeaderTail: (state: Int32Array, w0: number, w1: number, w2: number, w3: number) => void = makeCompressHeaderTail(K);

/** sha256d's second hash: `s` ← SHA-256 of the 32-byte digest `s` holds (one padded block). */
export const hashDigestAgain: (s: Int32Array) => void = makeHashDigest(K, H0);

/** The padding block of a 64-byte message (a merkle pair): fixed words. */
const compressPad64 = makeCompressConstant(K, [0x80000000 | 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 512]);

export const be32 = (b: Uint8Array, o: number): number => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;

/** Writes the 8 state words big-endian: a digest. */
export function digestBytes(s: Int32Array, out: Uint8Array = new Uint8Array(32)): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const v = s[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
  return out;
}

const node = new Int32Array(8);

/**
 * root ← SHA256d(root ‖ next) for each node of `path`, deepest first (a merkle path at position 0):
 * three compressions a step, the 64-byte pair, its padding block and the second hash.
 */
export function foldPath(leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array {
  const s = node;
  for (let i = 0; i < 8; i++) s[i] = be32(leaf, i * 4);
  for (const next of path) {
    for (let i = 0; i < 8; i++) W[i] = s[i]!;
    for (let i = 0; i < 8; i++) W[8 + i] = be32(next, i * 4);
    s.set(H0);
    compress(s);
    compressPad64(s);
    hashDigestAgain(s);
  }
  return digestBytes(s);
}

