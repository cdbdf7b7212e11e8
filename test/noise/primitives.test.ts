import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AeadKey,
  aeadDecryptInto,
  aeadEncrypt,
  hkdf2,
  hmacSha256,
  noiseNonce,
  sha256,
} from '../../src/noise/primitives.js';
import { nodeOpenInto, nodeSealInto, SMALL_MESSAGE_LIMIT } from '../../src/host/aead.js';
import { smallOpenInto, smallSealInto } from '../../src/host/small-aead.js';
import { CipherState } from '../../src/noise/cipher-state.js';
import { DecryptError } from '../../src/noise/errors.js';
import { PROTOCOL_NAME, SymmetricState } from '../../src/noise/symmetric-state.js';
import { hex, toHex } from '../vectors/load.js';

describe('symmetric primitives', () => {
  it("the runtime's ChaCha20-Poly1305 reproduces RFC 8439 §2.8.2", async () => {
    // The RFC nonce (07000000 ‖ 4041424344454647) does not have Noise's four zero bytes, so this
    // checks the primitive underneath; the next test checks how we lay out the nonce.
    const { createCipheriv } = await import('node:crypto');
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const c = createCipheriv('chacha20-poly1305', key, hex('070000004041424344454647'), { authTagLength: 16 });
    c.setAAD(hex('50515253c0c1c2c3c4c5c6c7'), { plaintextLength: 114 });
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    expect(toHex(ct.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(toHex(c.getAuthTag())).toBe('1ae10b594f09e26a7e902ecbd0600691');
  });

  it('decrypts what it encrypts, and rejects a flipped bit', () => {
    const key = new AeadKey(new Uint8Array(32).fill(9));
    const aad = Buffer.from('ad');
    const plaintext = Buffer.from('sixty-four bytes or so of a share submission');
    const ct = aeadEncrypt(key, noiseNonce(5), aad, plaintext);
    const out = new Uint8Array(plaintext.length);
    expect(aeadDecryptInto(key, noiseNonce(5), aad, ct, out, 0)).toBe(true);
    expect(Buffer.from(out).equals(plaintext)).toBe(true);
    for (const bit of [0, 100, ct.length * 8 - 1]) {
      const bad = Uint8Array.from(ct);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(aeadDecryptInto(key, noiseNonce(5), aad, bad, out, 0)).toBe(false);
    }
    expect(aeadDecryptInto(key, noiseNonce(6), aad, ct, out, 0)).toBe(false);
  });

  it('puts the counter little-endian after four zero bytes (Noise ChaChaPoly nonce)', async () => {
    const { createCipheriv } = await import('node:crypto');
    const raw = new Uint8Array(32).fill(7);
    const key = new AeadKey(raw);
    const counter = 0x0102030405;
    const nonce = Buffer.from('00000000' + '0504030201000000', 'hex');
    const c = createCipheriv('chacha20-poly1305', raw, nonce, { authTagLength: 16 });
    const expected = Buffer.concat([c.update(Buffer.from('abc')), c.final(), c.getAuthTag()]);
    expect(toHex(noiseNonce(counter))).toBe(toHex(nonce));
    expect(toHex(aeadEncrypt(key, noiseNonce(counter), undefined, Buffer.from('abc')))).toBe(toHex(expected));
    expect(toHex(noiseNonce(2 ** 53 - 2))).toBe('00000000feffffffffff1f00');
  });

  it('HMAC-SHA256 matches RFC 4231 test case 2', () => {
    const mac = hmacSha256(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'));
    expect(toHex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('HKDF2 equals RFC 5869 HKDF with salt = chaining key and empty info', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 100 }), (ck, ikm) => {
        const [a, b] = hkdf2(ck, ikm);
        const ref = Buffer.from(hkdfSync('sha256', ikm, ck, new Uint8Array(0), 64));
        expect(toHex(Buffer.concat([a, b]))).toBe(toHex(ref));
      }),
      { numRuns: 50 },
    );
  });

  it('starts from the protocol name digests SRI hard-codes', () => {
    expect(toHex(sha256(Buffer.from(PROTOCOL_NAME)))).toBe('2eb47881208e9eee1f669f67c66ee70ea9ea88090d503fe830dc4bc83e29bf10');
    const s = new SymmetricState();
    expect(toHex(s.chainingKey)).toBe('2eb47881208e9eee1f669f67c66ee70ea9ea88090d503fe830dc4bc83e29bf10');
    expect(toHex(s.handshakeHash)).toBe('922fa32e4f487c0d59caa3bed7899ce3d98db7e13dbd3b7cf2d23dd433dc6104');
  });
});

describe('ChaCha20-Poly1305: WebAssembly for short messages, node:crypto for the rest', () => {
  const sealWith = (seal: typeof smallSealInto, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array) => {
    const out = new Uint8Array(plaintext.length + 16);
    expect(seal(key, nonce, ad, plaintext, out, 0)).toBe(out.length);
    return out;
  };

  it('the WebAssembly AEAD reproduces RFC 8439 §2.8.2', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = sealWith(smallSealInto, key, hex('070000004041424344454647'), hex('50515253c0c1c2c3c4c5c6c7'), plaintext);
    expect(toHex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(toHex(sealed.subarray(-16))).toBe('1ae10b594f09e26a7e902ecbd0600691');
  });

  it('the WebAssembly AEAD matches node:crypto byte for byte and opens only what is intact', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    fc.assert(
      fc.property(bytes(32), bytes(12), fc.option(fc.uint8Array({ maxLength: 32 }), { nil: undefined }), fc.uint8Array({ maxLength: 400 }), fc.nat(), (key, nonce, ad, plaintext, flip) => {
        const sealed = sealWith(smallSealInto, key, nonce, ad, plaintext);
        expect(toHex(sealed)).toBe(toHex(sealWith(nodeSealInto, key, nonce, ad, plaintext)));
        // each opens what the other sealed, at an offset
        const back = new Uint8Array(plaintext.length + 3);
        expect(smallOpenInto(key, nonce, ad, sealed, back, 3)).toBe(true);
        expect(toHex(back.subarray(3))).toBe(toHex(plaintext));
        expect(nodeOpenInto(key, nonce, ad, sealed, back, 3)).toBe(true);
        const bad = Uint8Array.from(sealed);
        bad[flip % bad.length]! ^= 1 << flip % 8;
        expect(smallOpenInto(key, nonce, ad, bad, back, 3)).toBe(false);
        expect(smallOpenInto(key, nonce, Uint8Array.of(...(ad ?? []), 1), sealed, back, 3)).toBe(false);
        expect(smallOpenInto(key, nonce, ad, sealed.subarray(0, 15), back, 3)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('the WebAssembly AEAD matches node:crypto for every length from 0 to 1 100 bytes', () => {
    const key = new Uint8Array(32).map((_, i) => 255 - i);
    const message = new Uint8Array(1100).map((_, i) => (i * 13) & 0xff);
    for (let size = 0; size <= message.length; size++) {
      const nonce = noiseNonce(size);
      const ad = size % 3 === 0 ? undefined : message.subarray(0, size % 33);
      const plaintext = message.subarray(0, size);
      expect(toHex(sealWith(smallSealInto, key, nonce, ad, plaintext)), `${size} bytes`).toBe(toHex(sealWith(nodeSealInto, key, nonce, ad, plaintext)));
    }
  });

  it(`sends messages under ${SMALL_MESSAGE_LIMIT} bytes with at most 32 bytes of AD to WebAssembly, the same bytes either way`, () => {
    const raw = new Uint8Array(32).map((_, i) => i * 7);
    const key = new AeadKey(raw);
    for (const size of [0, 1, 6, 64, SMALL_MESSAGE_LIMIT - 1, SMALL_MESSAGE_LIMIT, SMALL_MESSAGE_LIMIT + 1, 4096]) {
      for (const ad of [undefined, new Uint8Array(32).fill(1), new Uint8Array(33).fill(2)]) {
        const plaintext = new Uint8Array(size).map((_, i) => i);
        const nonce = noiseNonce(size);
        const sealed = aeadEncrypt(key, nonce, ad, plaintext);
        expect(toHex(sealed), `${size} bytes, ${ad?.length ?? 0} of AD`).toBe(toHex(sealWith(nodeSealInto, raw, nonce, ad, plaintext)));
        const back = new Uint8Array(size);
        expect(aeadDecryptInto(key, nonce, ad, sealed, back, 0)).toBe(true);
        expect(toHex(back)).toBe(toHex(plaintext));
        sealed[0]! ^= 0x80;
        expect(aeadDecryptInto(key, nonce, ad, sealed, back, 0)).toBe(false);
      }
    }
  });
});

describe('CipherState', () => {
  it('encrypts message i under nonce i, as the bare primitive does', () => {
    const key = new Uint8Array(32).fill(5);
    const state = new CipherState(key);
    for (let i = 0; i < 5; i++) {
      const plaintext = Buffer.from(`message ${i}`);
      expect(toHex(state.encrypt(undefined, plaintext))).toBe(toHex(aeadEncrypt(new AeadKey(key), noiseNonce(i), undefined, plaintext)));
    }
  });

  it('advances the nonce per message and only on success', () => {
    const key = new Uint8Array(32).fill(1);
    const a = new CipherState(key);
    const b = new CipherState(key);
    const m1 = a.encrypt(undefined, Buffer.from('one'));
    const m2 = a.encrypt(undefined, Buffer.from('two'));
    expect(a.counter).toBe(2);
    // m2 under nonce 0 fails, and the failure leaves the nonce where it was
    expect(() => b.decrypt(undefined, m2)).toThrow(DecryptError);
    expect(b.counter).toBe(0);
    expect(Buffer.from(b.decrypt(undefined, m1)).toString()).toBe('one');
    expect(Buffer.from(b.decrypt(undefined, m2)).toString()).toBe('two');
  });

  it('authenticates the associated data', () => {
    const key = new Uint8Array(32).fill(2);
    const ct = new CipherState(key).encrypt(Buffer.from('h1'), Buffer.from('payload'));
    expect(() => new CipherState(key).decrypt(Buffer.from('h2'), ct)).toThrow(DecryptError);
    expect(Buffer.from(new CipherState(key).decrypt(Buffer.from('h1'), ct)).toString()).toBe('payload');
  });

  it('encrypts an empty plaintext to a bare 16-byte tag', () => {
    const ct = new CipherState(new Uint8Array(32)).encrypt(undefined, new Uint8Array(0));
    expect(ct.length).toBe(16);
    expect(new CipherState(new Uint8Array(32)).decrypt(undefined, ct).length).toBe(0);
  });
});
