/**
 * secp256k1 keys for the handshake: key generation, x-only ECDH and the checks on secrets, over
 * the operations src/host/secp256k1.ts provides (libsecp256k1 in WebAssembly on Node, @noble/curves
 * elsewhere).
 *
 * Where the host has libsecp256k1's ECDH module (constant-time in the scalar), every ECDH is one
 * call to it. Otherwise the point multiplication libsecp256k1 offers for an arbitrary point
 * (`ec_pubkey_tweak_mul`, in the version tiny-secp256k1 ships) takes time that depends on the
 * scalar. That is harmless for a key used in one handshake, but a key used in many (a server's
 * static key) is then multiplied as two random halves drawn afresh each time, so repeated
 * handshakes never time or trace the same scalar twice.
 */
import { bytesToHex } from '../codec/hex.js';
import { randomBytes } from '../host/random.js';
import { secp256k1 } from '../host/secp256k1.js';
import { KeyFormatError, NoiseError } from './errors.js';

/** The group order n, big-endian. */
const ORDER = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
  0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
]);

/** True when the 32-byte big-endian `a` is below `b`. */
function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** True when `secret` is a valid secp256k1 secret scalar (1 ≤ d < n). */
export function isValidSecret(secret: Uint8Array): boolean {
  if (secret.length !== 32) return false;
  return lessThan(secret, ORDER) && secret.some((byte) => byte !== 0);
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
  /** the point as 65 uncompressed bytes, made on the first multiplication that needs it */
  private uncompressedForm: Uint8Array | undefined;

  private constructor(readonly x: Uint8Array) {}

  /** Throws KeyFormatError when `x32` is not the x coordinate of a curve point. */
  static fromX(x32: Uint8Array): PeerPoint {
    if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
    if (!secp256k1().isXOnlyPoint(x32)) throw new KeyFormatError(`${bytesToHex(x32)} is not the x coordinate of a secp256k1 point`);
    return new PeerPoint(Uint8Array.from(x32));
  }

  /** An x coordinate known to be on the curve (every ElligatorSwift encoding decodes to one): no check. */
  static onCurve(x32: Uint8Array): PeerPoint {
    if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
    return new PeerPoint(x32);
  }

  private uncompressed(): Uint8Array {
    if (this.uncompressedForm === undefined) {
      const compressed = new Uint8Array(33);
      compressed[0] = 2;
      compressed.set(this.x, 1);
      try {
        this.uncompressedForm = secp256k1().decompress(compressed);
      } catch (cause) {
        throw new KeyFormatError(`${bytesToHex(this.x)} is not the x coordinate of a secp256k1 point`, { cause });
      }
    }
    return this.uncompressedForm;
  }

  /** x coordinate of scalar·this, constant-time on the host's ECDH; undefined where it has none. */
  private constantTimeX(scalar: Uint8Array): Uint8Array | undefined {
    const ecdhX = secp256k1().ecdhX;
    if (ecdhX === undefined) return undefined;
    try {
      return ecdhX(this.x, scalar);
    } catch (cause) {
      throw new KeyFormatError(`ECDH with ${bytesToHex(this.x)} failed: not the x coordinate of a secp256k1 point`, { cause });
    }
  }

  /** x coordinate of scalar·this; `scalar` must be a valid secret. */
  multiplyX(scalar: Uint8Array): Uint8Array {
    const constantTime = this.constantTimeX(scalar);
    if (constantTime !== undefined) return constantTime;
    const product = secp256k1().multiply(this.uncompressed(), scalar);
    if (product === null) throw new NoiseError('point multiplication failed'); // only for a zero scalar
    return product.slice(1, 33);
  }

  /**
   * x coordinate of scalar·this for a reused scalar: one constant-time multiplication where the host
   * has it, otherwise a·this + b·this for a fresh random split scalar = a + b.
   */
  multiplyXSplit(scalar: Uint8Array): Uint8Array {
    const constantTime = this.constantTimeX(scalar);
    if (constantTime !== undefined) return constantTime;
    const lib = secp256k1();
    let a: Uint8Array;
    let b: Uint8Array | null;
    do {
      a = randomSecret();
      b = lib.scalarSub(scalar, a); // null when a = scalar, which leaves nothing to split
    } while (b === null);
    try {
      const point = this.uncompressed();
      const aP = lib.multiply(point, a);
      const bP = lib.multiply(point, b);
      // Neither product is infinity (a, b ≠ 0) and their sum is scalar·P, never infinity either.
      const sum = aP && bP ? lib.add(aP, bP) : null;
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
    // constant-time in both implementations (libsecp256k1's blinded ecmult_gen)
    return new SecretKey(copy, secp256k1().xOnlyPublicKey(copy), options.ephemeral ?? false);
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
