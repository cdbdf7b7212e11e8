import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AeadKey, aeadOpenInto, aeadSealInto, nodeOpenInto, nodeSealInto } from '../../src/host/aead.js';
import { loadSodium, SODIUM_MAX_AD, SODIUM_MAX_MESSAGE, sodiumOpenInto, sodiumReady, sodiumSealInto } from '../../src/host/sodium-aead.js';
import { noiseNonce } from '../../src/noise/primitives.js';
import { hex, toHex } from '../vectors/load.js';

const sealWith = (seal: typeof sodiumSealInto, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array) => {
  const out = new Uint8Array(plaintext.length + 16);
  expect(seal(key, nonce, ad, plaintext, out, 0)).toBe(out.length);
  return out;
};

describe("ChaCha20-Poly1305 on libsodium's WebAssembly build", () => {
  beforeAll(async () => {
    expect(await loadSodium()).toBe(true);
    expect(sodiumReady()).toBe(true);
  });

  it('reproduces RFC 8439 §2.8.2', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = sealWith(sodiumSealInto, key, hex('070000004041424344454647'), hex('50515253c0c1c2c3c4c5c6c7'), plaintext);
    expect(toHex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(toHex(sealed.subarray(-16))).toBe('1ae10b594f09e26a7e902ecbd0600691');
  });

  it('matches node:crypto byte for byte and opens only what is intact', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.option(fc.uint8Array({ maxLength: SODIUM_MAX_AD }), { nil: undefined }),
        fc.uint8Array({ maxLength: SODIUM_MAX_MESSAGE }),
        fc.nat(),
        (key, nonce, ad, plaintext, flip) => {
          const sealed = sealWith(sodiumSealInto, key, nonce, ad, plaintext);
          expect(toHex(sealed)).toBe(toHex(sealWith(nodeSealInto, key, nonce, ad, plaintext)));
          const back = new Uint8Array(plaintext.length + 3).fill(0xee);
          expect(sodiumOpenInto(key, nonce, ad, sealed, back, 3)).toBe(true);
          expect(toHex(back.subarray(3))).toBe(toHex(plaintext));
          const bad = Uint8Array.from(sealed);
          bad[flip % bad.length]! ^= 1 << flip % 8;
          const untouched = new Uint8Array(plaintext.length).fill(0xaa);
          expect(sodiumOpenInto(key, nonce, ad, bad, untouched, 0)).toBe(false);
          expect(untouched.every((b) => b === 0xaa)).toBe(true); // nothing written on failure
          expect(sodiumOpenInto(key, nonce, Uint8Array.of(...(ad ?? []), 1), sealed, back, 3)).toBe(false);
          expect(sodiumOpenInto(key, nonce, ad, sealed.subarray(0, 15), back, 3)).toBe(false);
          // a different key (another array) is loaded, not the last one reused
          const other = Uint8Array.from(key);
          other[0]! ^= 1;
          expect(sodiumOpenInto(other, nonce, ad, sealed, back, 3)).toBe(false);
          expect(sodiumOpenInto(key, nonce, ad, sealed, back, 3)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the dispatcher (aead.ts) uses it once loaded, up to 1 KiB: the same bytes as node:crypto, interleaving two keys', () => {
    const a = new AeadKey(new Uint8Array(32).map((_, i) => i));
    const b = new AeadKey(new Uint8Array(32).map((_, i) => 255 - i));
    for (const size of [0, 6, 24, 64, 255, 256, 1000, SODIUM_MAX_MESSAGE, SODIUM_MAX_MESSAGE + 1, 4096]) {
      const plaintext = new Uint8Array(size).map((_, i) => i * 3);
      for (const key of [a, b, a]) {
        const nonce = noiseNonce(size);
        const out = new Uint8Array(size + 16);
        aeadSealInto(key, nonce, undefined, plaintext, out, 0);
        expect(toHex(out), `${size} bytes`).toBe(toHex(sealWith(nodeSealInto, key.raw, nonce, undefined, plaintext)));
        const back = new Uint8Array(size);
        expect(aeadOpenInto(key, nonce, undefined, out, back, 0)).toBe(true);
        expect(nodeOpenInto(key.raw, nonce, undefined, out, back, 0)).toBe(true);
        expect(toHex(back)).toBe(toHex(plaintext));
      }
    }
  });

  it('refuses what does not fit its buffers', () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    expect(() => sodiumSealInto(key, nonce, undefined, new Uint8Array(SODIUM_MAX_MESSAGE + 1), new Uint8Array(SODIUM_MAX_MESSAGE + 17), 0)).toThrow(RangeError);
    expect(() => sodiumSealInto(key, nonce, new Uint8Array(SODIUM_MAX_AD + 1), new Uint8Array(1), new Uint8Array(17), 0)).toThrow(RangeError);
    expect(() => sodiumSealInto(key, nonce, undefined, new Uint8Array(4), new Uint8Array(19), 0)).toThrow(RangeError);
  });
});
