/**
 * secp256k1 for the handshake and the certificates, on libsecp256k1 compiled to WebAssembly
 * (tiny-secp256k1): key generation, x-only ECDH and BIP340. Per ECDH it is ~3.5× faster than
 * OpenSSL through node:crypto and ~10× faster than pure JS (@noble/curves, which stays the
 * reference in the tests and the field arithmetic of ElligatorSwift).
 *
 * The point multiplication tiny-secp256k1 offers for an arbitrary point (libsecp256k1's
 * `ec_pubkey_tweak_mul`, in the version it ships) takes time that depends on the scalar. That is
 * harmless for a key used in one handshake, but a key used in many (a server's static key) is
 * multiplied as two random halves drawn afresh each time, so repeated handshakes never time or
 * trace the same scalar twice.
 *
 * The WebAssembly module (1.2 MB) is compiled on first use, not when this module is imported.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as TinySecp256k1 from 'tiny-secp256k1';
import { KeyFormatError, NoiseError } from './errors.js';

type Backend = typeof TinySecp256k1;
let backend: Backend | undefined;

/** libsecp256k1, loaded and compiled on first call (about 15 ms, once per process). */
export function libsecp256k1(): Backend {
  // Loaded through require so that importing the library costs nothing until a key is used.
  backend ??= createRequire(import.meta.url)('tiny-secp256k1') as Backend;
  return backend;
}

/** The group order n, big-endian. */
const ORDER = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');

/** True when `secret` is a valid secp256k1 secret scalar (1 ≤ d < n). */
export function isValidSecret(secret: Uint8Array): boolean {
  if (secret.length !== 32) return false;
  return Buffer.compare(secret, ORDER) < 0 && secret.some((byte) => byte !== 0);
}

/** 32 random bytes that form a valid secret scalar. */
export function randomSecret(): Uint8Array {
  for (;;) {
    const secret = randomBytes(32);
    if (isValidSecret(secret)) return secret;
  }
}

/** A peer's point known only by its x coordinate; ECDH here is x-only, so the even-y lift serves. */
export class PeerPoint {
  private constructor(
    readonly x: Uint8Array,
    /** the point as 65 uncompressed bytes, so no multiplication has to recompute y */
    private readonly uncompressed: Uint8Array,
  ) {}

  static fromX(x32: Uint8Array): PeerPoint {
    if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
    const compressed = new Uint8Array(33);
    compressed[0] = 2;
    compressed.set(x32, 1);
    let uncompressed: Uint8Array;
    try {
      uncompressed = libsecp256k1().pointCompress(compressed, false);
    } catch (cause) {
      throw new KeyFormatError(`${Buffer.from(x32).toString('hex')} is not the x coordinate of a secp256k1 point`, { cause });
    }
    return new PeerPoint(Uint8Array.from(x32), uncompressed);
  }

  /** x coordinate of scalar·this; `scalar` must be a valid secret. */
  multiplyX(scalar: Uint8Array): Uint8Array {
    const product = libsecp256k1().pointMultiply(this.uncompressed, scalar, false);
    if (product === null) throw new NoiseError('point multiplication failed'); // only for a zero scalar
    return product.slice(1, 33);
  }

  /** x coordinate of scalar·this computed as a·this + b·this for a fresh random split scalar = a + b. */
  multiplyXSplit(scalar: Uint8Array): Uint8Array {
    const lib = libsecp256k1();
    let a: Uint8Array;
    let b: Uint8Array | null;
    do {
      a = randomSecret();
      b = lib.privateSub(scalar, a); // null when a = scalar, which leaves nothing to split
    } while (b === null);
    try {
      const aP = lib.pointMultiply(this.uncompressed, a, false);
      const bP = lib.pointMultiply(this.uncompressed, b, false);
      // Neither product is infinity (a, b ≠ 0) and their sum is scalar·P, never infinity either.
      const sum = aP && bP ? lib.pointAdd(aP, bP, true) : null;
      if (sum === null) throw new NoiseError('point multiplication failed');
      return sum.slice(1, 33);
    } finally {
      a.fill(0);
      b.fill(0);
    }
  }
}

export interface SecretKeyOptions {
  /**
   * The key serves one handshake only (an ephemeral key), so ECDH may skip the random split
   * that protects a key reused across handshakes. Off by default: a key is assumed reused.
   */
  ephemeral?: boolean;
}

/** A secp256k1 secret key with its x-only public key, able to do x-only ECDH. */
export class SecretKey {
  private constructor(
    readonly secret: Uint8Array,
    /** x coordinate of secret·G (32 bytes, BIP340 x-only form) */
    readonly xOnly: Uint8Array,
    readonly ephemeral: boolean,
  ) {}

  static generate(options: SecretKeyOptions = {}): SecretKey {
    return SecretKey.fromBytes(randomSecret(), options);
  }

  static fromBytes(secret: Uint8Array, options: SecretKeyOptions = {}): SecretKey {
    if (!isValidSecret(secret)) throw new KeyFormatError('secret key must be 32 bytes in the range 1..n-1');
    const copy = Uint8Array.from(secret);
    // ecmult_gen: libsecp256k1's constant-time, blinded multiplication of the generator.
    return new SecretKey(copy, libsecp256k1().xOnlyPointFromScalar(copy), options.ephemeral ?? false);
  }

  /** The same key marked as reused (for a server's static key). */
  reusable(): SecretKey {
    return this.ephemeral ? new SecretKey(this.secret, this.xOnly, false) : this;
  }

  /** x coordinate of secret·peer (32 bytes). */
  sharedX(peer: PeerPoint): Uint8Array {
    return this.ephemeral ? peer.multiplyX(this.secret) : peer.multiplyXSplit(this.secret);
  }
}
