/**
 * ElligatorSwift (BIP324): 64-byte encodings (u ‖ t) of secp256k1 x coordinates, and BIP324's
 * x-only ECDH hash. Written against BIP324's formulas (XSwiftEC and XSwiftECInv) on the field
 * arithmetic of ./field.ts, with speed-ups that do not change any result:
 *  - lift_x tests run in libsecp256k1 where the host has it natively, otherwise as a binary Jacobi
 *    symbol; square roots are only taken once every test in a branch has passed;
 *  - each root comes with the inverse it needs from the same exponentiation (a^((p−3)/4) gives
 *    1/sqrt(a), sqrt(a) and 1/a), so encoding does no inversion;
 *  - decoding shares one field inversion between the three candidate x coordinates.
 * Encodings describe public keys, so nothing here needs to run in constant time.
 * The tests check it against every row of BIP324's decode and inverse vector files.
 */
import { randomBytes } from '../host/random.js';
import { secp256k1 } from '../host/secp256k1.js';
import { KeyFormatError } from './errors.js';
import { add, fromBytes32, inv, isSquare, mul, neg, P, powQuarter, sqr, sqrtOfSquare, sub, toBytes32 } from './field.js';
import { sha256 } from './primitives.js';
import type { SecretKey } from './secp256k1.js';

export const ELLSWIFT_SIZE = 64;

const SEVEN = 7n;
/** sqrt(-3) mod p, the root that BIP324 uses (the one that is itself a square). */
const SQRT_MINUS_3 = sqrtOfSquare(P - 3n);
const HALF = (P + 1n) / 2n;
/** u·(1 ± sqrt(−3))/2 for the two signs, as multipliers of u */
const PLUS_FACTOR = mul(add(1n, SQRT_MINUS_3), HALF);
const MINUS_FACTOR = mul(sub(1n, SQRT_MINUS_3), HALF);

const scratch = new Uint8Array(32);

/** lift_x succeeds: x³ + 7 is a square. */
function isValidX(x: bigint): boolean {
  const native = secp256k1().isXOnlyPointNative;
  if (native !== undefined) return native(toBytes32(x, scratch));
  return isSquare(add(mul(sqr(x), x), SEVEN));
}

function toField(bytes: Uint8Array, at: number): bigint {
  const n = fromBytes32(bytes, at);
  return n >= P ? n - P : n; // below 2^256 < 2p
}

/** XSwiftEC(u, t): the x coordinate that (u, t) stands for. Total: every input decodes. */
export function xswiftec(uIn: bigint, tIn: bigint): bigint {
  const u = uIn === 0n ? 1n : uIn;
  let t = tIn === 0n ? 1n : tIn;
  const u2 = sqr(u);
  const g = add(mul(u2, u), SEVEN); // u³ + 7, never 0 on secp256k1
  if (add(g, sqr(t)) === 0n) t = add(t, t);
  const t2 = sqr(t);
  const a = add(g, t2); // (X + t)·2t
  const b = sub(g, t2); // X·2t
  // With X = b/2t and Y = a/(2t·sqrt(-3)·u):  u + 4Y² = u − a²/(3t²u²)  and  X/Y = sqrt(-3)·u·b/a.
  const d = mul(mul(3n, t2), u2);
  const invDA = inv(mul(d, a));
  const x1 = sub(u, mul(sqr(a), mul(a, invDA)));
  if (isValidX(x1)) return x1;
  const xOverY = mul(mul(SQRT_MINUS_3, u), mul(b, mul(d, invDA)));
  const x2 = mul(sub(neg(xOverY), u), HALF);
  if (isValidX(x2)) return x2;
  return mul(sub(xOverY, u), HALF); // BIP324: one of the three is always valid
}

/** XSwiftECInv(x, u, case): a t with XSwiftEC(u, t) = x, or undefined when this case has none. */
export function xswiftecInv(x: bigint, u: bigint, ellCase: number): bigint | undefined {
  const u2 = sqr(u);
  const g = add(mul(u2, u), SEVEN);
  let v: bigint;
  let w: bigint; // sqrt(s), s as BIP324 names it
  if ((ellCase & 2) === 0) {
    if (isValidX(sub(neg(x), u))) return undefined;
    v = x;
    // s = −g/D. D = 0 only when −x − u lifts (u/x a cube root of unity), refused above for a valid x.
    const denominator = add(add(u2, mul(u, v)), sqr(v));
    if (denominator === 0n) return undefined;
    // −g/D is a square exactly when −g·D is (1/D and D have the same character): test before the root.
    const minusGD = neg(mul(g, denominator));
    if (!isSquare(minusGD)) return undefined;
    // sqrt(−g/D) = (−g/D)^((p+1)/4) = −g·D·(−g·D³)^((p−3)/4), as D^(p−1) = 1: no inversion.
    w = mul(minusGD, powQuarter(mul(minusGD, sqr(denominator))));
  } else {
    const s = sub(x, u);
    if (s === 0n) return undefined;
    const rr = mul(neg(s), add(mul(4n, g), mul(mul(3n, s), u2)));
    if (!isSquare(rr) || !isSquare(s)) return undefined;
    const r = sqrtOfSquare(rr);
    if ((ellCase & 1) === 1 && r === 0n) return undefined;
    const rootInverse = powQuarter(s); // 1/sqrt(s); its square is 1/s
    w = mul(rootInverse, s);
    v = mul(sub(mul(r, sqr(rootInverse)), u), HALF);
  }
  const base = add(mul(u, (ellCase & 1) === 1 ? PLUS_FACTOR : MINUS_FACTOR), v);
  const negate = (ellCase & 5) === 0 || (ellCase & 5) === 5;
  return mul(negate ? neg(w) : w, base);
}

const TRY_BYTES = 33;
const TRIES_PER_DRAW = 8;

/** A random 64-byte encoding of the x coordinate `x32` (which must be on the curve), sampled as BIP324 does. */
export function ellswiftEncode(x32: Uint8Array): Uint8Array {
  if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
  const x = fromBytes32(x32);
  if (x >= P || !isValidX(x)) throw new KeyFormatError('cannot encode: not the x coordinate of a curve point');
  return encodeValid(x);
}

/** The same for a key of ours, whose x coordinate is on the curve by construction: no test. */
export function ellswiftEncodeKey(key: SecretKey): Uint8Array {
  return encodeValid(fromBytes32(key.xOnly));
}

function encodeValid(x: bigint): Uint8Array {
  let entropy: Uint8Array = new Uint8Array(0);
  for (let at = TRY_BYTES * TRIES_PER_DRAW; ; at += TRY_BYTES) {
    // 33 random bytes per try: u (uniform over the field, 0 excluded) and the case; a try succeeds
    // about one time in four, so the bytes of several are drawn at once.
    if (at === TRY_BYTES * TRIES_PER_DRAW) {
      entropy = randomBytes(TRY_BYTES * TRIES_PER_DRAW);
      at = 0;
    }
    const u = toField(entropy, at);
    if (u === 0n) continue;
    const t = xswiftecInv(x, u, entropy[at + 32]! & 7);
    if (t !== undefined) {
      const encoding = new Uint8Array(ELLSWIFT_SIZE);
      toBytes32(u, encoding, 0);
      toBytes32(t, encoding, 32);
      return encoding;
    }
  }
}

/** The x coordinate (32 bytes) an encoding stands for; every 64-byte string decodes to a valid one. */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  if (encoding.length !== ELLSWIFT_SIZE) {
    throw new KeyFormatError(`ElligatorSwift encoding must be ${ELLSWIFT_SIZE} bytes, got ${encoding.length}`);
  }
  return toBytes32(xswiftec(toField(encoding, 0), toField(encoding, 32)));
}

const ECDH_TAG = sha256(new TextEncoder().encode('bip324_ellswift_xonly_ecdh'));

/**
 * BIP324's shared secret from the x-only ECDH result. The initiator's encoding always comes first,
 * whichever side computes it; both encodings are the exact bytes sent on the wire.
 */
export function bip324SharedSecret(sharedX: Uint8Array, initiatorEncoding: Uint8Array, responderEncoding: Uint8Array): Uint8Array {
  return sha256(ECDH_TAG, ECDH_TAG, initiatorEncoding, responderEncoding, sharedX);
}
