/**
 * The SHA-256 compression function (FIPS 180-4) for the fixed, small inputs of the share and job
 * paths (an 80-byte header, a 64-byte merkle pair): in plain JavaScript over Int32Array words, no
 * allocation and no native call per hash. Checked against node:crypto in test/bitcoin.
 */

/** The first 32 bits of the fractional parts of the cube roots (K) and square roots (H0) of the first primes. */
function primes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
  return out;
}
const frac32 = (x: number): number => Math.floor((x - Math.floor(x)) * 2 ** 32) | 0;
const K = Int32Array.from(primes(64), (p) => frac32(Math.cbrt(p)));
export const H0 = Int32Array.from(primes(8), (p) => frac32(Math.sqrt(p)));

/** The message schedule compress() reads: callers fill W[0..15] first. */
export const W = new Int32Array(64);

/** One compression: `state` ← state + f(state, W[0..15]), W extended in place. */
export function compress(state: Int32Array): void {
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
    W[0] = 0x80000000 | 0;
    for (let i = 1; i < 15; i++) W[i] = 0;
    W[15] = 512;
    compress(s);
    hashDigestAgain(s);
  }
  return digestBytes(s);
}

/** sha256d's second hash: `s` ← SHA-256 of the 32-byte digest `s` holds (one padded block). */
export function hashDigestAgain(s: Int32Array): void {
  for (let i = 0; i < 8; i++) W[i] = s[i]!;
  W[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = 256;
  s.set(H0);
  compress(s);
}
