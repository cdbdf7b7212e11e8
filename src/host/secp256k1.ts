/**
 * The secp256k1 operations the handshake and the certificates need. On Node: libsecp256k1
 * compiled to WebAssembly (tiny-secp256k1; per ECDH ~3.5× faster than OpenSSL through node:crypto
 * and ~10× faster than pure JS), loaded through Node's `require` on first use because its 1.2 MB
 * module compiles in ~15 ms; and, where its prebuilt binary loads, libsecp256k1's own native
 * binding (the `secp256k1` package) for x-only ECDH and key generation: its ECDH module multiplies
 * in constant time (~46 µs against ~150 µs for one variable-time WebAssembly multiplication, and
 * no second one to hide the scalar). Elsewhere: @noble/curves, whose multiplications are constant-time.
 */
import { schnorr, secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import type * as TinySecp256k1 from 'tiny-secp256k1';
import { node } from './node.js';

/** Points are SEC1 bytes: 65 uncompressed or 33 compressed; scalars 32 bytes big-endian. */
export interface Secp256k1 {
  /** The 65-byte form of a 33-byte compressed point; throws when it is not on the curve. */
  decompress(compressed: Uint8Array): Uint8Array;
  /** scalar·point (uncompressed in and out) for a scalar in 1..n-1; null when it is infinity. */
  multiply(point: Uint8Array, scalar: Uint8Array): Uint8Array | null;
  /** a + b (uncompressed in), compressed; null when it is infinity. */
  add(a: Uint8Array, b: Uint8Array): Uint8Array | null;
  /** (a − b) mod n; null when it is zero. */
  scalarSub(a: Uint8Array, b: Uint8Array): Uint8Array | null;
  /** x coordinate of secret·G: BIP340's x-only public key. Generator multiplication is constant-time in both. */
  xOnlyPublicKey(secret: Uint8Array): Uint8Array;
  /** True when `x` lifts to a curve point (BIP340's lift_x). */
  isXOnlyPoint(x: Uint8Array): boolean;
  signSchnorr(digest: Uint8Array, secret: Uint8Array, auxRandom: Uint8Array): Uint8Array;
  /** May throw on a malformed signature. */
  verifySchnorr(digest: Uint8Array, x: Uint8Array, signature: Uint8Array): boolean;
  /**
   * x coordinate of scalar·P, P the point with x coordinate `x` (either y: the x of the product is
   * the same), constant-time in the scalar; throws when `x` is not on the curve. Only where the
   * backend has such a multiplication (libsecp256k1's ECDH module); callers split the scalar otherwise.
   */
  readonly ecdhX?: (x: Uint8Array, scalar: Uint8Array) => Uint8Array;
}

const { Point } = noble;
const Fn = Point.Fn;

export const portableSecp256k1: Secp256k1 = {
  decompress: (compressed) => Point.fromBytes(compressed).toBytes(false),
  multiply: (point, scalar) => Point.fromBytes(point).multiply(bytesToNumberBE(scalar)).toBytes(false),
  add(a, b) {
    const sum = Point.fromBytes(a).add(Point.fromBytes(b));
    return sum.is0() ? null : sum.toBytes(true);
  },
  scalarSub(a, b) {
    const difference = Fn.sub(Fn.create(bytesToNumberBE(a)), Fn.create(bytesToNumberBE(b)));
    return difference === 0n ? null : numberToBytesBE(difference, 32);
  },
  xOnlyPublicKey: (secret) => schnorr.getPublicKey(secret),
  isXOnlyPoint(x) {
    if (x.length !== 32) return false;
    const compressed = new Uint8Array(33);
    compressed[0] = 2;
    compressed.set(x, 1);
    try {
      Point.fromBytes(compressed);
      return true;
    } catch {
      return false;
    }
  },
  signSchnorr: (digest, secret, auxRandom) => schnorr.sign(digest, secret, auxRandom),
  verifySchnorr: (digest, x, signature) => schnorr.verify(signature, digest, x),
};

function tiny(lib: typeof TinySecp256k1): Secp256k1 {
  return {
    decompress: (compressed) => lib.pointCompress(compressed, false),
    multiply: (point, scalar) => lib.pointMultiply(point, scalar, false),
    add: (a, b) => lib.pointAdd(a, b, true),
    scalarSub: (a, b) => lib.privateSub(a, b),
    xOnlyPublicKey: (secret) => lib.xOnlyPointFromScalar(secret),
    isXOnlyPoint: (x) => lib.isXOnlyPoint(x),
    signSchnorr: (digest, secret, auxRandom) => lib.signSchnorr(digest, secret, auxRandom),
    verifySchnorr: (digest, x, signature) => lib.verifySchnorr(digest, x, signature),
  };
}

/** The part of the `secp256k1` package's native binding used here (its checked wrapper, `secp256k1/bindings`). */
interface NativeSecp256k1 {
  contextRandomize(seed: Uint8Array): void;
  publicKeyCreate(secret: Uint8Array, compressed: boolean, output: Uint8Array): Uint8Array;
  ecdh(
    point: Uint8Array,
    secret: Uint8Array,
    options: { hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array; xbuf: Uint8Array; ybuf: Uint8Array },
    output: Uint8Array,
  ): Uint8Array;
}

/** The native binding, or undefined where it does not load (no prebuilt binary for this platform, not installed). */
function loadNative(load: (id: string) => unknown): NativeSecp256k1 | undefined {
  try {
    const lib = load('secp256k1/bindings') as NativeSecp256k1;
    // Blinds the generator multiplication with a fresh secret (libsecp256k1's side-channel hardening).
    lib.contextRandomize(globalThis.crypto.getRandomValues(new Uint8Array(32)));
    return lib;
  } catch {
    return undefined;
  }
}

/** tiny-secp256k1, with key generation and x-only ECDH on the native binding where it loads. */
function withNative(base: Secp256k1, lib: NativeSecp256k1 | undefined): Secp256k1 {
  if (lib === undefined) return base;
  const point = new Uint8Array(33);
  const xbuf = new Uint8Array(32);
  const options = { hashfn: (x: Uint8Array) => x, xbuf, ybuf: new Uint8Array(32) };
  return {
    ...base,
    xOnlyPublicKey(secret) {
      const compressed = lib.publicKeyCreate(secret, true, new Uint8Array(33));
      return compressed.slice(1);
    },
    ecdhX(x, scalar) {
      if (x.length !== 32) throw new RangeError(`x coordinate must be 32 bytes, got ${x.length}`);
      point[0] = 2;
      point.set(x, 1);
      // Synchronous, so the input and callback buffers are reused call after call; the output is fresh.
      return lib.ecdh(point, scalar, options, new Uint8Array(32));
    },
  };
}

let nodeBackend: Secp256k1 | undefined;

/** libsecp256k1 on Node, loaded and compiled on first call (about 15 ms, once per process); undefined elsewhere. */
export function nodeSecp256k1(): Secp256k1 | undefined {
  if (node === undefined) return undefined;
  nodeBackend ??= withNative(tiny(node.require('tiny-secp256k1') as typeof TinySecp256k1), loadNative(node.require));
  return nodeBackend;
}

/** libsecp256k1 on Node without the native binding: the WebAssembly build alone (for tests and comparisons). */
export function wasmSecp256k1(): Secp256k1 | undefined {
  return node === undefined ? undefined : tiny(node.require('tiny-secp256k1') as typeof TinySecp256k1);
}

/** The fastest implementation this runtime has. */
export function secp256k1(): Secp256k1 {
  return nodeBackend ?? nodeSecp256k1() ?? portableSecp256k1;
}
