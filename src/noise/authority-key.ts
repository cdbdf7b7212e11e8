/**
 * Authority keys: the BIP340 key that signs server certificates, in SRI's text formats.
 * Public: base58check(u16 LE version 1 ‖ x-only key). Secret: base58check(32 secret bytes).
 */
import { createBase58check } from '@scure/base';
import { randomBytes } from '../host/random.js';
import { secp256k1 } from '../host/secp256k1.js';
import { KeyFormatError } from './errors.js';
import { sha256 } from './primitives.js';
import { isValidSecret, randomSecret } from './secp256k1.js';

const base58check = createBase58check((data: Uint8Array) => sha256(data));
const PUBLIC_KEY_VERSION = 1;
/** Certificates sign a SHA-256 digest; libsecp256k1's BIP340 (on Node) takes exactly 32-byte messages. */
const DIGEST_SIZE = 32;

/** An authority's x-only public key, able to verify BIP340 signatures over 32-byte digests. */
export class AuthorityPublicKey {
  constructor(readonly x: Uint8Array) {
    if (x.length !== 32) throw new KeyFormatError(`authority public key must be 32 bytes, got ${x.length}`);
    this.x = Uint8Array.from(x);
    // BIP340's lift_x must succeed: x < p and x³ + 7 a square.
    if (!secp256k1().isXOnlyPoint(this.x)) throw new KeyFormatError('authority key is not the x coordinate of a secp256k1 point');
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
    return this.x.every((byte, i) => byte === other.x[i]);
  }

  /** BIP340 verification of `signature` over the 32-byte `digest`; false for anything malformed. */
  verify(signature: Uint8Array, digest: Uint8Array): boolean {
    if (signature.length !== 64 || digest.length !== DIGEST_SIZE) return false;
    try {
      return secp256k1().verifySchnorr(digest, this.x, signature);
    } catch {
      // libsecp256k1 on Node throws on r ≥ n or s ≥ n. BIP340 only refuses r ≥ p, but an r in [n, p)
      // occurs with probability ~2⁻¹²⁸, so refusing it too costs nothing in practice.
      return false;
    }
  }
}

/** An authority key pair: signs certificates for the servers it vouches for. */
export class AuthorityKeyPair {
  readonly publicKey: AuthorityPublicKey;

  constructor(readonly secret: Uint8Array) {
    if (!isValidSecret(secret)) throw new KeyFormatError('authority secret key must be 32 bytes in the range 1..n-1');
    this.secret = Uint8Array.from(secret);
    this.publicKey = new AuthorityPublicKey(secp256k1().xOnlyPublicKey(this.secret));
  }

  static generate(): AuthorityKeyPair {
    return new AuthorityKeyPair(randomSecret());
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

  /** A BIP340 signature over the 32-byte `digest`, with fresh auxiliary randomness unless given. */
  sign(digest: Uint8Array, auxRandom: Uint8Array = randomBytes(32)): Uint8Array {
    if (digest.length !== DIGEST_SIZE) throw new RangeError(`can only sign a ${DIGEST_SIZE}-byte digest, got ${digest.length} bytes`);
    if (auxRandom.length !== 32) throw new RangeError(`auxiliary randomness must be 32 bytes, got ${auxRandom.length}`);
    return secp256k1().signSchnorr(digest, this.secret, auxRandom);
  }
}
