import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/codec/hex.js';
import { nodeSecp256k1, portableSecp256k1, wasmSecp256k1 } from '../../src/host/secp256k1.js';
import fc from 'fast-check';
import { schnorr } from '@noble/curves/secp256k1.js';
import { KeyFormatError } from '../../src/noise/errors.js';
import { hex, loadCsv } from '../vectors/load.js';
import { PeerPoint, SecretKey } from '../../src/noise/secp256k1.js';

const native = nodeSecp256k1()!;
const wasm = wasmSecp256k1()!;

function lift(x: Uint8Array): Uint8Array {
  return wasm.decompress(Uint8Array.of(2, ...x));
}

describe('native libsecp256k1 binding (x-only ECDH, key generation)', () => {
  it('loads on this platform: the handshake takes the constant-time ECDH', () => {
    expect(native.ecdhX).toBeTypeOf('function');
  });

  it('gives the x coordinate the WebAssembly and pure-JS multiplications give, for either y of the peer', () => {
    for (let i = 0; i < 25; i++) {
      const a = SecretKey.generate();
      const b = SecretKey.generate();
      const viaNative = bytesToHex(native.ecdhX!(b.xOnly, a.secret));
      expect(viaNative).toBe(bytesToHex(wasm.multiply(lift(b.xOnly), a.secret)!.slice(1, 33)));
      const odd = noble.Point.fromBytes(Uint8Array.of(3, ...b.xOnly)).multiply(BigInt('0x' + bytesToHex(a.secret)));
      expect(viaNative).toBe(bytesToHex(odd.toBytes(true).slice(1)));
      // ECDH is symmetric
      expect(viaNative).toBe(bytesToHex(native.ecdhX!(a.xOnly, b.secret)));
    }
  });

  it('makes the same x-only public keys as the WebAssembly and portable builds', () => {
    for (let i = 0; i < 25; i++) {
      const secret = SecretKey.generate().secret;
      const x = bytesToHex(native.xOnlyPublicKey(secret));
      expect(x).toBe(bytesToHex(wasm.xOnlyPublicKey(secret)));
      expect(x).toBe(bytesToHex(portableSecp256k1.xOnlyPublicKey(secret)));
    }
  });

  it('refuses an x that is not on the curve, as a key format error at the Noise layer', () => {
    const offCurve = new Uint8Array(32); // x = 0: 7 is not a square mod p
    expect(() => native.ecdhX!(offCurve, SecretKey.generate().secret)).toThrow();
    expect(() => PeerPoint.onCurve(offCurve).multiplyX(SecretKey.generate().secret)).toThrow(KeyFormatError);
    expect(() => PeerPoint.fromX(offCurve)).toThrow(KeyFormatError);
  });

  it('a reused key takes one constant-time multiplication, with the same result as the split one', () => {
    const key = SecretKey.generate();
    const peer = PeerPoint.fromX(SecretKey.generate().xOnly);
    const split = lift(peer.x);
    // the split path by hand: a·P + (d − a)·P on the WebAssembly build
    const a = SecretKey.generate().secret;
    const sum = wasm.add(wasm.multiply(split, a)!, wasm.multiply(split, wasm.scalarSub(key.secret, a)!)!)!;
    expect(bytesToHex(key.sharedX(peer))).toBe(bytesToHex(sum.slice(1, 33)));
  });
});

describe('BIP340 verification on the native binding (one ECDSA public-key recovery)', () => {
  const rows = loadCsv('bip340.csv');

  it(`agrees with every BIP340 verification vector, messages of any length (${rows.length} rows)`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(19);
    expect(native.verifySchnorr).not.toBe(wasm.verifySchnorr);
    for (const row of rows) {
      const result = native.verifySchnorr(hex(row.message!), hex(row['public key']!), hex(row.signature!));
      expect(result, `vector ${row.index}: ${row.comment}`).toBe(row['verification result'] === 'TRUE');
    }
  });

  it('accepts what @noble/curves signs and refuses any altered byte, as @noble/curves does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(95), fc.integer({ min: 1, max: 255 }), (message, at, flip) => {
        const secret = SecretKey.generate().secret;
        const x = schnorr.getPublicKey(secret);
        const signature = schnorr.sign(message, secret);
        expect(native.verifySchnorr(message, x, signature)).toBe(true);
        const [m, k, sig] = [Uint8Array.from(message), Uint8Array.from(x), Uint8Array.from(signature)];
        // one byte of the message, the key or the signature changed
        if (at < 32) m[at]! ^= flip;
        else if (at < 64) k[at - 32]! ^= flip;
        else sig[at - 64]! ^= flip;
        const expected = (() => {
          try {
            return schnorr.verify(sig, m, k);
          } catch {
            return false;
          }
        })();
        expect(native.verifySchnorr(m, k, sig)).toBe(expected);
        expect(expected).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses keys in [n, p) off the curve and on it when the signature is not theirs, and malformed sizes', () => {
    const n = noble.Point.Fn.ORDER;
    const signature = schnorr.sign(new Uint8Array(32), SecretKey.generate().secret);
    let onCurve = 0;
    for (let x = n; onCurve < 3; x++) {
      const key = hex(x.toString(16).padStart(64, '0'));
      const lifts = native.isXOnlyPoint(key);
      if (lifts) onCurve++;
      expect(lifts).toBe(wasm.isXOnlyPoint(key));
      expect(native.verifySchnorr(new Uint8Array(32), key, signature)).toBe(false);
    }
    expect(native.verifySchnorr(new Uint8Array(32), new Uint8Array(31), signature)).toBe(false);
    expect(native.verifySchnorr(new Uint8Array(32), schnorr.getPublicKey(SecretKey.generate().secret), signature.subarray(1))).toBe(false);
  });

  it('has the same lift_x test as the WebAssembly build', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (x) => {
        expect(native.isXOnlyPoint(x)).toBe(wasm.isXOnlyPoint(x));
        expect(native.isXOnlyPointNative!(x)).toBe(wasm.isXOnlyPoint(x));
      }),
      { numRuns: 300 },
    );
    expect(native.isXOnlyPoint(hex('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'))).toBe(false);
  });
});
