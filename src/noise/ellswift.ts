/**
 * ElligatorSwift (BIP324): 64-byte encodings (u ‖ t) of secp256k1 x coordinates, and BIP324's
 * x-only ECDH hash. Written against BIP324's formulas (XSwiftEC and XSwiftECInv) on @noble/curves'
 * field, with two speed-ups that do not change any result:
 *  - square tests use a binary Jacobi symbol (~5× cheaper than the Euler exponentiation), and square
 *    roots are only taken once both tests in a branch have passed;
 *  - decoding shares one field inversion between the three candidate x coordinates.
 * The tests check it against every row of BIP324's decode and inverse vector files.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '../codec/hex.js';
import { randomBytes } from '../host/random.js';
import { KeyFormatError } from './errors.js';
import { sha256 } from './primitives.js';

export const ELLSWIFT_SIZE = 64;

const Fp = secp256k1.Point.Fp;
const P = Fp.ORDER;
const SEVEN = 7n;
/** sqrt(-3) mod p, the root that BIP324 uses (the one that is itself a square). */
const SQRT_MINUS_3 = Fp.sqrt(Fp.create(-3n));
const HALF = Fp.inv(2n);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Jacobi symbol (a/p) for the odd prime p, by the binary algorithm (no exponentiation): trailing
 * zeros come off in one shift, and once both operands fit a double the rest runs on numbers.
 */
export function jacobi(value: bigint): number {
  let a = value % P;
  let n = P;
  let nLow = Number(BigInt.asUintN(32, n));
  let sign = 1;
  while (a !== 0n) {
    if (n <= MAX_SAFE) return sign * jacobiSmall(Number(a), Number(n));
    let aLow = Number(BigInt.asUintN(32, a));
    if (aLow === 0) {
      a >>= 32n; // 32 zeros: an even count, the sign stays
      continue;
    }
    const zeros = 31 - Math.clz32(aLow & -aLow);
    if (zeros > 0) {
      a >>= BigInt(zeros);
      aLow = Number(BigInt.asUintN(32, a));
      const r = nLow & 7;
      if ((zeros & 1) === 1 && (r === 3 || r === 5)) sign = -sign;
    }
    if ((aLow & 3) === 3 && (nLow & 3) === 3) sign = -sign;
    [a, n] = [n % a, a];
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

function isSquare(a: bigint): boolean {
  return a === 0n || jacobi(a) === 1;
}

/** lift_x succeeds: x³ + 7 is a square. */
function isValidX(x: bigint): boolean {
  return isSquare(Fp.add(Fp.mul(Fp.sqr(x), x), SEVEN));
}

function toField(bytes: Uint8Array): bigint {
  return BigInt('0x' + bytesToHex(bytes)) % P;
}

function toBytes32(n: bigint): Uint8Array {
  return hexToBytes(n.toString(16).padStart(64, '0')); // through hex: the host's native codec where it has one
}

/** XSwiftEC(u, t): the x coordinate that (u, t) stands for. Total: every input decodes. */
export function xswiftec(uIn: bigint, tIn: bigint): bigint {
  const u = uIn === 0n ? 1n : uIn;
  let t = tIn === 0n ? 1n : tIn;
  const g = Fp.add(Fp.mul(Fp.sqr(u), u), SEVEN); // u³ + 7, never 0 on secp256k1
  if (Fp.add(g, Fp.sqr(t)) === 0n) t = Fp.add(t, t);
  const t2 = Fp.sqr(t);
  const a = Fp.add(g, t2); // (X + t)·2t
  const b = Fp.sub(g, t2); // X·2t
  // With X = b/2t and Y = a/(2t·sqrt(-3)·u):  u + 4Y² = u − a²/(3t²u²)  and  X/Y = sqrt(-3)·u·b/a.
  const d = Fp.mul(Fp.mul(3n, t2), Fp.sqr(u));
  const inv = Fp.inv(Fp.mul(d, a));
  const x1 = Fp.sub(u, Fp.mul(Fp.sqr(a), Fp.mul(a, inv)));
  if (isValidX(x1)) return x1;
  const xOverY = Fp.mul(Fp.mul(SQRT_MINUS_3, u), Fp.mul(b, Fp.mul(d, inv)));
  const x2 = Fp.mul(Fp.sub(Fp.neg(xOverY), u), HALF);
  if (isValidX(x2)) return x2;
  return Fp.mul(Fp.sub(xOverY, u), HALF); // BIP324: one of the three is always valid
}

/** XSwiftECInv(x, u, case): a t with XSwiftEC(u, t) = x, or undefined when this case has none. */
export function xswiftecInv(x: bigint, u: bigint, ellCase: number): bigint | undefined {
  const u2 = Fp.sqr(u);
  const g = Fp.add(Fp.mul(u2, u), SEVEN);
  let s: bigint;
  let v: bigint;
  if ((ellCase & 2) === 0) {
    if (isValidX(Fp.sub(Fp.neg(x), u))) return undefined;
    v = x;
    const denominator = Fp.add(Fp.add(u2, Fp.mul(u, v)), Fp.sqr(v));
    // −g/D is a square exactly when −g·D is (1/D and D have the same character): test before inverting.
    if (!isSquare(Fp.neg(Fp.mul(g, denominator)))) return undefined;
    s = Fp.neg(Fp.mul(g, Fp.inv(denominator)));
  } else {
    s = Fp.sub(x, u);
    if (s === 0n) return undefined;
    const rr = Fp.mul(Fp.neg(s), Fp.add(Fp.mul(4n, g), Fp.mul(Fp.mul(3n, s), u2)));
    if (!isSquare(rr) || !isSquare(s)) return undefined;
    const r = Fp.sqrt(rr);
    if ((ellCase & 1) === 1 && r === 0n) return undefined;
    v = Fp.mul(Fp.add(Fp.neg(u), Fp.mul(r, Fp.inv(s))), HALF);
  }
  const w = Fp.sqrt(s);
  const plus = (ellCase & 1) === 1;
  const base = Fp.add(Fp.mul(Fp.mul(u, plus ? Fp.add(1n, SQRT_MINUS_3) : Fp.sub(1n, SQRT_MINUS_3)), HALF), v);
  const negate = (ellCase & 5) === 0 || (ellCase & 5) === 5;
  return Fp.mul(negate ? Fp.neg(w) : w, base);
}

const TRY_BYTES = 33;
const TRIES_PER_DRAW = 8;

/** A random 64-byte encoding of the x coordinate `x32` (which must be on the curve), sampled as BIP324 does. */
export function ellswiftEncode(x32: Uint8Array): Uint8Array {
  if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
  const x = BigInt('0x' + bytesToHex(x32));
  if (x >= P || !isValidX(x)) throw new KeyFormatError('cannot encode: not the x coordinate of a curve point');
  let entropy: Uint8Array = new Uint8Array(0);
  for (let at = TRY_BYTES * TRIES_PER_DRAW; ; at += TRY_BYTES) {
    // 33 random bytes per try: u (uniform over the field, 0 excluded) and the case; a try succeeds
    // about one time in four, so the bytes of several are drawn at once.
    if (at === TRY_BYTES * TRIES_PER_DRAW) {
      entropy = randomBytes(TRY_BYTES * TRIES_PER_DRAW);
      at = 0;
    }
    const u = toField(entropy.subarray(at, at + 32));
    if (u === 0n) continue;
    const t = xswiftecInv(x, u, entropy[at + 32]! & 7);
    if (t !== undefined) {
      const encoding = new Uint8Array(ELLSWIFT_SIZE);
      encoding.set(toBytes32(u), 0);
      encoding.set(toBytes32(t), 32);
      return encoding;
    }
  }
}

/** The x coordinate (32 bytes) an encoding stands for; every 64-byte string decodes to a valid one. */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  if (encoding.length !== ELLSWIFT_SIZE) {
    throw new KeyFormatError(`ElligatorSwift encoding must be ${ELLSWIFT_SIZE} bytes, got ${encoding.length}`);
  }
  return toBytes32(xswiftec(toField(encoding.subarray(0, 32)), toField(encoding.subarray(32, 64))));
}

const ECDH_TAG = sha256(new TextEncoder().encode('bip324_ellswift_xonly_ecdh'));

/**
 * BIP324's shared secret from the x-only ECDH result. The initiator's encoding always comes first,
 * whichever side computes it; both encodings are the exact bytes sent on the wire.
 */
export function bip324SharedSecret(sharedX: Uint8Array, initiatorEncoding: Uint8Array, responderEncoding: Uint8Array): Uint8Array {
  return sha256(ECDH_TAG, ECDH_TAG, initiatorEncoding, responderEncoding, sharedX);
}
