/**
 * Arithmetic in secp256k1's base field (p = 2^256 − 2^32 − 977) on BigInt, specialised to p for
 * ElligatorSwift: products are reduced by folding (2^256 ≡ 2^32 + 977) instead of a division, the
 * square-root exponent is an addition chain (253 squarings and 15 multiplications, against ~500
 * steps of square-and-multiply), and bytes convert through 64-bit words rather than hex. Values are kept
 * reduced: every function takes and returns integers in [0, p).
 */
/** the field prime 2^256 − 2^32 − 977 */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** 2^256 mod p */
const FOLD = 0x1000003d1n;
const MASK_256 = (1n << 256n) - 1n;

/** a·b mod p. The product is below 2^512: two folds leave it below 2^256 + 2^66, one subtraction finishes. */
export function mul(a: bigint, b: bigint): bigint {
  const x = a * b;
  let r = (x & MASK_256) + (x >> 256n) * FOLD;
  r = (r & MASK_256) + (r >> 256n) * FOLD;
  return r >= P ? r - P : r;
}

export function sqr(a: bigint): bigint {
  return mul(a, a);
}

export function add(a: bigint, b: bigint): bigint {
  const r = a + b;
  return r >= P ? r - P : r;
}

export function sub(a: bigint, b: bigint): bigint {
  const r = a - b;
  return r < 0n ? r + P : r;
}

export function neg(a: bigint): bigint {
  return a === 0n ? 0n : P - a;
}

const DOUBLE_EXACT = 1n << 52n;

/** floor(n / d) for integers 0 ≤ n < 2^52, d > 0: the float quotient, moved by one where rounding moved it. */
function quotient(n: number, d: number): number {
  let q = Math.floor(n / d);
  if (q * d > n) q--;
  else if ((q + 1) * d <= n) q++;
  return q;
}

/**
 * 1/a mod p (a ≠ 0) by Lehmer's extended Euclid (Knuth's Algorithm L): the quotients come from the
 * leading 50 bits of both remainders, run as doubles, for as long as they provably agree with the
 * full ones, and the batch's cofactor matrix is then applied to the BigInts once. Each batch does
 * a dozen Euclid steps for ~12 BigInt operations (plain Euclid: ~5 each), ~3× faster than @noble's.
 * Cofactors of a Euclid run are bounded by its first operand, so every double stays exact.
 */
export function inv(value: bigint): bigint {
  if (value === 0n || value >= P) throw new RangeError('inv: expected a non-zero reduced field element');
  let b = P;
  let a = value;
  let x = 0n; // x·value ≡ b and u·value ≡ a (mod p)
  let u = 1n;
  while (a >= DOUBLE_EXACT) {
    const shift = BigInt(Math.max(0, Math.floor(Math.log2(Number(b))) - 49));
    let bh = Number(b >> shift);
    let ah = Number(a >> shift);
    let [A, B, C, D] = [1, 0, 0, 1];
    for (;;) {
      const lowC = ah + C;
      const lowD = ah + D;
      if (lowC <= 0 || lowD <= 0) break;
      const q = quotient(bh + A, lowC);
      if (q !== quotient(bh + B, lowD)) break; // the leading bits no longer decide the quotient
      [A, C] = [C, A - q * C];
      [B, D] = [D, B - q * D];
      [bh, ah] = [ah, bh - q * ah];
    }
    if (B === 0) {
      // not one quotient decided: one full step
      const q = b / a;
      [b, a] = [a, b - q * a];
      [x, u] = [u, x - q * u];
    } else {
      const [bA, bB, bC, bD] = [BigInt(A), BigInt(B), BigInt(C), BigInt(D)];
      [b, a] = [bA * b + bB * a, bC * b + bD * a];
      [x, u] = [bA * x + bB * u, bC * x + bD * u];
    }
  }
  if (b >= DOUBLE_EXACT && a !== 0n) {
    const q = b / a;
    [b, a] = [a, b - q * a];
    [x, u] = [u, x - q * u];
  }
  // Both below 2^52: the rest of Euclid on doubles, its cofactor matrix applied once.
  let bn = Number(b);
  let an = Number(a);
  let [A, B, C, D] = [1, 0, 0, 1];
  while (an !== 0) {
    const q = quotient(bn, an);
    [bn, an] = [an, bn - q * an];
    [A, C] = [C, A - q * C];
    [B, D] = [D, B - q * D];
  }
  if (bn !== 1) throw new RangeError('inv: no inverse'); // p is prime: unreachable
  const r = (BigInt(A) * x + BigInt(B) * u) % P;
  return r < 0n ? r + P : r;
}

/**
 * a^(2^n). Between squarings the value is left below 2^256 + 2^68 (two folds, no final subtraction):
 * squares stay below 2^513, which the same two folds bring back under that bound; one subtraction
 * at the end reduces it (2^256 + 2^68 < 2p).
 */
function sqrN(a: bigint, n: number): bigint {
  let r = a;
  for (let i = 0; i < n; i++) {
    const x = r * r;
    r = (x & MASK_256) + (x >> 256n) * FOLD;
    r = (r & MASK_256) + (r >> 256n) * FOLD;
  }
  return r >= P ? r - P : r;
}

/**
 * a^((p − 3)/4). The exponent in binary is 1^223 0 1^22 0000 1 0 11: runs of ones built as
 * a^(2^k − 1) for k in {2, 3, 6, 9, 11, 22, 44, 88, 176, 220, 223}, as libsecp256k1 builds its square root.
 * For a square a ≠ 0 it gives both 1/sqrt(a) and, times a, sqrt(a); its square is then 1/a.
 */
export function powQuarter(a: bigint): bigint {
  const x2 = mul(sqr(a), a);
  const x3 = mul(sqr(x2), a);
  const x6 = mul(sqrN(x3, 3), x3);
  const x9 = mul(sqrN(x6, 3), x3);
  const x11 = mul(sqrN(x9, 2), x2);
  const x22 = mul(sqrN(x11, 11), x11);
  const x44 = mul(sqrN(x22, 22), x22);
  const x88 = mul(sqrN(x44, 44), x44);
  const x176 = mul(sqrN(x88, 88), x88);
  const x220 = mul(sqrN(x176, 44), x44);
  const x223 = mul(sqrN(x220, 3), x3);
  let r = mul(sqrN(x223, 23), x22); // 1^223 0 1^22
  r = mul(sqrN(r, 5), a); // 0000 1
  return mul(sqrN(r, 3), x2); // 0 11
}

/** a^((p + 1)/4): the square root of a square a that is itself a square (BIP324's choice of root). */
export function sqrtOfSquare(a: bigint): bigint {
  return mul(powQuarter(a), a);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Jacobi symbol (a/p) for the odd prime p, by the binary algorithm (no exponentiation): trailing
 * zeros come off in one shift, and once both operands fit a double the rest runs on numbers.
 */
export function jacobi(value: bigint): number {
  let a = value % P;
  let n = P;
  let nLow = Number(n & 0xffffffffn);
  let sign = 1;
  while (a !== 0n) {
    if (n <= MAX_SAFE) return sign * jacobiSmall(Number(a), Number(n));
    let aLow = Number(a & 0xffffffffn);
    if (aLow === 0) {
      a >>= 32n; // 32 zeros: an even count, the sign stays
      continue;
    }
    if ((aLow & 1) === 0) {
      const zeros = 31 - Math.clz32(aLow & -aLow);
      a >>= BigInt(zeros);
      // the low bits after the shift are still in aLow unless nearly all 32 went
      aLow = zeros <= 28 ? aLow >>> zeros : Number(a & 0xffffffffn);
      const r = nLow & 7;
      if ((zeros & 1) === 1 && (r === 3 || r === 5)) sign = -sign;
    }
    if ((aLow & 3) === 3 && (nLow & 3) === 3) sign = -sign;
    const rest = n % a;
    n = a;
    a = rest;
    nLow = aLow;
  }
  return n === 1n ? sign : 0;
}

/** The same on numbers below 2^53 (n odd): `%` and the parity tests are exact there. */
function jacobiSmall(aIn: number, nIn: number): number {
  let a = aIn % nIn;
  let n = nIn;
  let sign = 1;
  while (a !== 0) {
    while (a % 2 === 0) {
      a /= 2;
      const r = n % 8;
      if (r === 3 || r === 5) sign = -sign;
    }
    if (a % 4 === 3 && n % 4 === 3) sign = -sign;
    [a, n] = [n % a, a];
  }
  return n === 1 ? sign : 0;
}

export function isSquare(a: bigint): boolean {
  return a === 0n || jacobi(a) === 1;
}

/** The 32 big-endian bytes at `bytes[at..at+32)` as an integer (not reduced). */
export function fromBytes32(bytes: Uint8Array, at = 0): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 32);
  const high = (view.getBigUint64(0) << 64n) | view.getBigUint64(8);
  const low = (view.getBigUint64(16) << 64n) | view.getBigUint64(24);
  return (high << 128n) | low;
}

/** Writes a (below 2^256) as 32 big-endian bytes into `into` at `at`. */
export function toBytes32(a: bigint, into: Uint8Array = new Uint8Array(32), at = 0): Uint8Array {
  const view = new DataView(into.buffer, into.byteOffset + at, 32);
  // setBigUint64 keeps the low 64 bits of what it is given
  view.setBigUint64(0, a >> 192n);
  view.setBigUint64(8, a >> 128n);
  view.setBigUint64(16, a >> 64n);
  view.setBigUint64(24, a);
  return into;
}
