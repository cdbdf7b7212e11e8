/**
 * The secp256k1 operations the handshake and the certificates need. On Node: libsecp256k1
 * compiled to WebAssembly (tiny-secp256k1; per ECDH ~3.5× faster than OpenSSL through node:crypto
 * and ~10× faster than pure JS), loaded through Node's `require` on first use because its 1.2 MB
 * module compiles in ~15 ms; and, where its prebuilt binary loads, libsecp256k1's own native
 * binding (the `secp256k1` package) for x-only ECDH, key generation, lift_x and BIP340
 * verification: its ECDH module multiplies in constant time (~46 µs against ~150 µs for one
 * variable-time WebAssembly multiplication, and no second one to hide the scalar); its verification
 * (~50 µs) is ~4× the WebAssembly one. Elsewhere: @noble/curves, whose multiplications are constant-time.
 */
import { schnorr, secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import type * as TinySecp256k1 from 'tiny-secp256k1';
import { sha256 } from './hash.js';
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
  /**
   * The same test in native code, set only where it is cheaper than a Jacobi symbol in JavaScript
   * (~5 µs against ~14 µs): ElligatorSwift takes it then.
   */
  readonly isXOnlyPointNative?: (x: Uint8Array) => boolean;
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
  publicKeyVerify(point: Uint8Array): boolean;
  /** Throws when the signature does not parse or recovers no point (r not on the curve, or infinity). */
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean, output: Uint8Array): Uint8Array;
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

const FIELD_P = Point.Fp.ORDER;
const ORDER_N = Fn.ORDER;
const CHALLENGE_TAG = sha256(new TextEncoder().encode('BIP0340/challenge'));

/** 32 big-endian bytes as an integer, and back (through 64-bit words: no hex round trip). */
function readWord(bytes: Uint8Array, at = 0): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 32);
  return (((view.getBigUint64(0) << 64n) | view.getBigUint64(8)) << 128n) | (view.getBigUint64(16) << 64n) | view.getBigUint64(24);
}

function writeWord(value: bigint, into: Uint8Array, at: number): void {
  const view = new DataView(into.buffer, into.byteOffset + at, 32);
  view.setBigUint64(0, value >> 192n); // setBigUint64 keeps the low 64 bits
  view.setBigUint64(8, value >> 128n);
  view.setBigUint64(16, value >> 64n);
  view.setBigUint64(24, value);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * BIP340 verification on the native binding, which has no Schnorr module: R = s·G − e·P as one
 * ECDSA public-key recovery. Recovery with signature (ρ, σ), recovery id and message z yields
 * Q = (σ/ρ)·X − (z/ρ)·G, X the point with x coordinate ρ (+ n when the id says so) and the id's
 * y parity. With X = P (x-only keys have even y), ρ = P.x mod n, σ = −e·ρ and z = −s·ρ (mod n), Q is
 * s·G − e·P. libsecp256k1 computes it as one variable-time double multiplication (Strauss), which is
 * fine here: every input is public. Verification then checks R's x and even y as BIP340 says.
 */
function nativeVerifySchnorr(lib: NativeSecp256k1, fallback: Secp256k1['verifySchnorr']): Secp256k1['verifySchnorr'] {
  const recoverable = new Uint8Array(64);
  const z = new Uint8Array(32);
  const recovered = new Uint8Array(33);
  return (message, x, signature) => {
    if (x.length !== 32 || signature.length !== 64) return false;
    const px = readWord(x);
    const r = signature.subarray(0, 32);
    const s = readWord(signature, 32);
    if (px >= FIELD_P || readWord(signature) >= FIELD_P || s >= ORDER_N) return false;
    const e = readWord(sha256(concat(CHALLENGE_TAG, CHALLENGE_TAG, r, x, message))) % ORDER_N;
    const overflow = px >= ORDER_N; // P.x in [n, p): recovery ids 2 and 3 add n back
    const rho = overflow ? px - ORDER_N : px;
    // Recovery refuses ρ = 0 and σ = 0 (e = 0); neither happens but by a hash collision: BIP340 in full then.
    if (rho === 0n || e === 0n) return fallback(message, x, signature);
    writeWord(rho, recoverable, 0);
    writeWord(Fn.neg(Fn.mul(e, rho)), recoverable, 32);
    writeWord(Fn.neg(Fn.mul(s, rho)), z, 0);
    try {
      lib.ecdsaRecover(recoverable, overflow ? 2 : 0, z, true, recovered);
    } catch {
      return false; // P.x is not on the curve, or R is infinity
    }
    return recovered[0] === 2 && equalBytes(recovered.subarray(1), r);
  };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** tiny-secp256k1, with key generation, x-only ECDH and BIP340 verification on the native binding where it loads. */
function withNative(base: Secp256k1, lib: NativeSecp256k1 | undefined): Secp256k1 {
  if (lib === undefined) return base;
  const point = new Uint8Array(33);
  const xbuf = new Uint8Array(32);
  const options = { hashfn: (x: Uint8Array) => x, xbuf, ybuf: new Uint8Array(32) };
  const lifted = new Uint8Array(33);
  const isXOnlyPoint = (x: Uint8Array): boolean => {
    if (x.length !== 32) return false;
    lifted[0] = 2;
    lifted.set(x, 1);
    return lib.publicKeyVerify(lifted);
  };
  return {
    ...base,
    isXOnlyPoint,
    isXOnlyPointNative: isXOnlyPoint,
    verifySchnorr: nativeVerifySchnorr(lib, base.verifySchnorr),
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
