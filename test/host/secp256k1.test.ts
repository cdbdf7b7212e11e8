import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/codec/hex.js';
import { nodeSecp256k1, portableSecp256k1, wasmSecp256k1 } from '../../src/host/secp256k1.js';
import { KeyFormatError } from '../../src/noise/errors.js';
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
