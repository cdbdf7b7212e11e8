import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aeadDecryptInto, aeadEncrypt, hkdf2, hmacSha256, sha256 } from '../../src/noise/primitives.js';
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
    const key = new Uint8Array(32).fill(9);
    const aad = Buffer.from('ad');
    const plaintext = Buffer.from('sixty-four bytes or so of a share submission');
    const ct = aeadEncrypt(key, 5, aad, plaintext);
    const out = new Uint8Array(plaintext.length);
    expect(aeadDecryptInto(key, 5, aad, ct, out, 0)).toBe(true);
    expect(Buffer.from(out).equals(plaintext)).toBe(true);
    for (const bit of [0, 100, ct.length * 8 - 1]) {
      const bad = Uint8Array.from(ct);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(aeadDecryptInto(key, 5, aad, bad, out, 0)).toBe(false);
    }
    expect(aeadDecryptInto(key, 6, aad, ct, out, 0)).toBe(false);
  });

  it('puts the counter little-endian after four zero bytes (Noise ChaChaPoly nonce)', async () => {
    const { createCipheriv } = await import('node:crypto');
    const key = new Uint8Array(32).fill(7);
    const counter = 0x0102030405;
    const nonce = Buffer.from('00000000' + '0504030201000000', 'hex');
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const expected = Buffer.concat([c.update(Buffer.from('abc')), c.final(), c.getAuthTag()]);
    expect(toHex(aeadEncrypt(key, counter, undefined, Buffer.from('abc')))).toBe(toHex(expected));
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

describe('CipherState', () => {
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
