/**
 * secp256k1 key material for the handshake. Point multiplications for ECDH go through
 * node:crypto's native OpenSSL secp256k1 (several times faster than pure JS); @noble/curves is the
 * fallback where the runtime lacks the curve, and the source of BIP340.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, getCurves, type KeyObject } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { KeyFormatError } from './errors.js';

export type EcdhBackend = 'native' | 'noble';

export const DEFAULT_BACKEND: EcdhBackend = getCurves().includes('secp256k1') ? 'native' : 'noble';

const Point = secp256k1.Point;
// DER prefix of a SubjectPublicKeyInfo holding a compressed secp256k1 point (33 bytes follow).
const SPKI_COMPRESSED_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');

function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** JWK members are fixed-length big-endian; pad anyway so a short one can never shift a key. */
function jwkBytes(member: string | undefined): Uint8Array {
  const raw = Buffer.from(member ?? '', 'base64url');
  if (raw.length > 32) throw new KeyFormatError('JWK member longer than 32 bytes');
  const out = new Uint8Array(32);
  out.set(raw, 32 - raw.length);
  return out;
}

function fieldBytes(n: bigint): Uint8Array {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

/** True when `secret` is a valid secp256k1 secret scalar (1 ≤ d < n). */
export function isValidSecret(secret: Uint8Array): boolean {
  if (secret.length !== 32) return false;
  const d = BigInt('0x' + bytesToHex(secret));
  return d > 0n && d < Point.Fn.ORDER;
}

/** A point known only by its x coordinate; ECDH here is x-only, so either y works. */
export class PeerPoint {
  private constructor(
    readonly x: Uint8Array,
    private readonly native: KeyObject | undefined,
    private readonly noble: InstanceType<typeof Point> | undefined,
  ) {}

  static fromX(x32: Uint8Array, backend: EcdhBackend = DEFAULT_BACKEND): PeerPoint {
    if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
    const compressed = new Uint8Array(33);
    compressed[0] = 2;
    compressed.set(x32, 1);
    try {
      if (backend === 'native') {
        const key = createPublicKey({ key: Buffer.concat([SPKI_COMPRESSED_PREFIX, compressed]), format: 'der', type: 'spki' });
        return new PeerPoint(x32, key, undefined);
      }
      return new PeerPoint(x32, undefined, Point.fromBytes(compressed));
    } catch (cause) {
      throw new KeyFormatError(`${bytesToHex(x32)} is not the x coordinate of a secp256k1 point`, { cause });
    }
  }

  /** @internal */
  nativeKey(): KeyObject | undefined {
    return this.native;
  }

  /** @internal */
  noblePoint(): InstanceType<typeof Point> | undefined {
    return this.noble;
  }
}

/** A secp256k1 secret key with its x-only public key, able to do x-only ECDH. */
export class SecretKey {
  private constructor(
    readonly secret: Uint8Array,
    /** x coordinate of secret·G (32 bytes, BIP340 x-only form) */
    readonly xOnly: Uint8Array,
    readonly backend: EcdhBackend,
    private readonly native: KeyObject | undefined,
  ) {}

  static generate(backend: EcdhBackend = DEFAULT_BACKEND): SecretKey {
    if (backend === 'native') {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const jwk = privateKey.export({ format: 'jwk' });
      return new SecretKey(jwkBytes(jwk.d), jwkBytes(jwk.x), backend, privateKey);
    }
    return SecretKey.fromBytes(secp256k1.utils.randomSecretKey(), backend);
  }

  static fromBytes(secret: Uint8Array, backend: EcdhBackend = DEFAULT_BACKEND): SecretKey {
    if (!isValidSecret(secret)) throw new KeyFormatError('secret key must be 32 bytes in the range 1..n-1');
    const point = Point.BASE.multiply(Point.Fn.fromBytes(secret)).toAffine();
    const x = fieldBytes(point.x);
    let native: KeyObject | undefined;
    if (backend === 'native') {
      const jwk = { kty: 'EC', crv: 'secp256k1', d: toBase64Url(secret), x: toBase64Url(x), y: toBase64Url(fieldBytes(point.y)) };
      native = createPrivateKey({ key: jwk, format: 'jwk' });
    }
    return new SecretKey(Uint8Array.from(secret), x, backend, native);
  }

  /** x coordinate of secret·peer (32 bytes). */
  sharedX(peer: PeerPoint): Uint8Array {
    const nativePeer = peer.nativeKey();
    if (this.native !== undefined && nativePeer !== undefined) {
      return diffieHellman({ privateKey: this.native, publicKey: nativePeer });
    }
    const point = peer.noblePoint() ?? Point.fromBytes(Uint8Array.of(2, ...peer.x));
    return fieldBytes(point.multiply(Point.Fn.fromBytes(this.secret)).toAffine().x);
  }
}
