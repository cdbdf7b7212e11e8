/**
 * Authority keys: the BIP340 key that signs server certificates, in SRI's text formats.
 * Public: base58check(u16 LE version 1 ‖ x-only key). Secret: base58check(32 secret bytes).
 */
import { createBase58check } from '@scure/base';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { KeyFormatError } from './errors.js';
import { sha256 } from './primitives.js';
import { isValidSecret } from './secp256k1.js';

const base58check = createBase58check((data: Uint8Array) => sha256(data));
const Point = secp256k1.Point;
const PUBLIC_KEY_VERSION = 1;
// After this many verifications under one key, a window table for it pays for itself.
const PRECOMPUTE_AFTER = 1;
const PRECOMPUTE_WINDOW = 6;

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function liftX(x32: Uint8Array): InstanceType<typeof Point> {
  try {
    // BIP340's lift_x: the point with this x and an even y.
    return Point.fromBytes(Uint8Array.of(2, ...x32));
  } catch (cause) {
    throw new KeyFormatError('authority key is not the x coordinate of a secp256k1 point', { cause });
  }
}

/** An authority's x-only public key, able to verify BIP340 signatures. */
export class AuthorityPublicKey {
  private readonly point: InstanceType<typeof Point>;
  private verifications = 0;

  constructor(readonly x: Uint8Array) {
    if (x.length !== 32) throw new KeyFormatError(`authority public key must be 32 bytes, got ${x.length}`);
    this.x = Uint8Array.from(x);
    this.point = liftX(this.x);
  }

  /** Parses SRI's base58check form (e.g. `9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72`). */
  static parse(text: string): AuthorityPublicKey {
    let raw: Uint8Array;
    try {
      raw = base58check.decode(text.trim());
    } catch (cause) {
      throw new KeyFormatError(`authority public key "${text}" is not valid base58check`, { cause });
    }
    if (raw.length !== 34) throw new KeyFormatError(`authority public key decodes to ${raw.length} bytes; expected 34 (version + 32-byte key)`);
    const version = raw[0]! | (raw[1]! << 8);
    if (version !== PUBLIC_KEY_VERSION) throw new KeyFormatError(`authority public key has version ${version}; only version 1 is known`);
    return new AuthorityPublicKey(raw.subarray(2));
  }

  toString(): string {
    const raw = new Uint8Array(34);
    raw[0] = PUBLIC_KEY_VERSION;
    raw.set(this.x, 2);
    return base58check.encode(raw);
  }

  equals(other: AuthorityPublicKey): boolean {
    return Buffer.from(this.x).equals(other.x);
  }

  /**
   * BIP340 verification of `signature` over `message`. Once the key has been used before, its
   * multiples are tabulated so each later check costs a fraction of a generic verification.
   */
  verify(signature: Uint8Array, message: Uint8Array): boolean {
    if (signature.length !== 64) return false;
    if (this.verifications++ < PRECOMPUTE_AFTER) return schnorr.verify(signature, message, this.x);
    if (this.verifications === PRECOMPUTE_AFTER + 1) this.point.precompute(PRECOMPUTE_WINDOW, false);
    const rBytes = signature.subarray(0, 32);
    const r = toBigInt(rBytes);
    const s = toBigInt(signature.subarray(32, 64));
    if (r >= Point.Fp.ORDER || s >= Point.Fn.ORDER) return false;
    const e = Point.Fn.create(toBigInt(schnorr.utils.taggedHash('BIP0340/challenge', rBytes, this.x, message)));
    // R = s·G − e·P; both scalars are public, so the variable-time multiplications are fine.
    const R = Point.BASE.multiplyUnsafe(s).add(this.point.multiplyUnsafe(Point.Fn.neg(e)));
    if (R.is0()) return false;
    const { x, y } = R.toAffine();
    return (y & 1n) === 0n && x === r;
  }
}

/** An authority key pair: signs certificates for the servers it vouches for. */
export class AuthorityKeyPair {
  readonly publicKey: AuthorityPublicKey;

  constructor(readonly secret: Uint8Array) {
    if (!isValidSecret(secret)) throw new KeyFormatError('authority secret key must be 32 bytes in the range 1..n-1');
    this.secret = Uint8Array.from(secret);
    this.publicKey = new AuthorityPublicKey(schnorr.getPublicKey(this.secret));
  }

  static generate(): AuthorityKeyPair {
    return new AuthorityKeyPair(schnorr.utils.randomSecretKey());
  }

  /** Parses SRI's base58check secret key form (32 bytes, no prefix). */
  static parseSecret(text: string): AuthorityKeyPair {
    let raw: Uint8Array;
    try {
      raw = base58check.decode(text.trim());
    } catch (cause) {
      throw new KeyFormatError('secret key is not valid base58check', { cause });
    }
    if (raw.length !== 32) throw new KeyFormatError(`secret key decodes to ${raw.length} bytes; expected 32`);
    return new AuthorityKeyPair(raw);
  }

  secretToString(): string {
    return base58check.encode(this.secret);
  }

  sign(message: Uint8Array): Uint8Array {
    return schnorr.sign(message, this.secret);
  }
}
