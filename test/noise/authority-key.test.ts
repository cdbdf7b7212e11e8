import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { schnorr } from '@noble/curves/secp256k1.js';
import { createBase58check } from '@scure/base';
import { sha256 } from '../../src/noise/primitives.js';
import { AuthorityKeyPair, AuthorityPublicKey } from '../../src/noise/authority-key.js';
import { KeyFormatError } from '../../src/noise/errors.js';
import { hex, loadCsv, toHex } from '../vectors/load.js';

describe('authority key formats', () => {
  it('encodes the spec §4.7.1 example key', () => {
    const key = new AuthorityPublicKey(hex('76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455'));
    expect(key.toString()).toBe('9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh');
    expect(toHex(AuthorityPublicKey.parse('9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh').x)).toBe(
      '76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455',
    );
  });

  it("reads SRI's example key pair and derives the public key from the secret", () => {
    const pub = AuthorityPublicKey.parse('9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72');
    expect(toHex(pub.x)).toBe('24ee3c3804a1aaa4c03b80ea19f7a5863c916e8994b7db94a3bad7ee092b6ce7');
    const pair = AuthorityKeyPair.parseSecret('mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n');
    expect(toHex(pair.secret)).toBe('65995eb19631f478a46ffa5cf1e545091efe950eaeac7482ffdc06eb6a89f697');
    expect(pair.publicKey.toString()).toBe('9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72');
    expect(pair.secretToString()).toBe('mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n');
  });

  it('round-trips generated pairs', () => {
    const pair = AuthorityKeyPair.generate();
    expect(AuthorityKeyPair.parseSecret(pair.secretToString()).publicKey.equals(pair.publicKey)).toBe(true);
    expect(AuthorityPublicKey.parse(pair.publicKey.toString()).equals(pair.publicKey)).toBe(true);
  });

  it.each([
    ['', 'base58check'],
    ['9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXi', 'base58check'], // checksum broken
    ['0OIl', 'base58check'], // not in the alphabet
    ['mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n', '34'], // a secret key is 32 bytes, not 34
  ])('refuses public key %j with a typed error mentioning %s', (text, fragment) => {
    expect(() => AuthorityPublicKey.parse(text)).toThrow(KeyFormatError);
    expect(() => AuthorityPublicKey.parse(text)).toThrow(fragment);
  });

  it('refuses a public key with another version or off the curve', () => {
    const pair = AuthorityKeyPair.generate();
    const raw = Buffer.concat([Buffer.from([2, 0]), pair.publicKey.x]);
    const base58check = createBase58check((d: Uint8Array) => sha256(d));
    expect(() => AuthorityPublicKey.parse(base58check.encode(raw))).toThrow('version 2');
    const offCurve = new Uint8Array(32);
    offCurve[31] = 5;
    expect(() => new AuthorityPublicKey(offCurve)).toThrow(KeyFormatError);
  });

  it('refuses a secret key of the wrong size or out of range', () => {
    expect(() => AuthorityKeyPair.parseSecret('9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72')).toThrow('expected 32');
    expect(() => new AuthorityKeyPair(new Uint8Array(32))).toThrow(KeyFormatError);
    expect(() => new AuthorityKeyPair(hex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'))).toThrow(KeyFormatError);
  });
});

describe('BIP340 with authority keys (BIP340 vectors)', () => {
  const rows = loadCsv('bip340.csv');
  // Certificates sign a SHA-256 digest, and libsecp256k1's BIP340 here takes 32-byte messages only.
  const digestRows = rows.filter((row) => row.message!.length === 64);
  const otherRows = rows.filter((row) => row.message!.length !== 64);

  function verify(row: Record<string, string>): boolean {
    let key: AuthorityPublicKey;
    try {
      key = new AuthorityPublicKey(hex(row['public key']!));
    } catch {
      return false;
    }
    return key.verify(hex(row.signature!), hex(row.message!));
  }

  it(`agrees with every verification vector over a 32-byte message (${digestRows.length} rows)`, () => {
    expect(digestRows.length).toBe(15);
    for (const row of digestRows) {
      expect(verify(row), `vector ${row.index}: ${row.comment}`).toBe(row['verification result'] === 'TRUE');
    }
  });

  it(`refuses messages of other lengths (${otherRows.length} vectors that @noble/curves accepts)`, () => {
    expect(otherRows.length).toBeGreaterThanOrEqual(4);
    for (const row of otherRows) {
      expect(schnorr.verify(hex(row.signature!), hex(row.message!), hex(row['public key']!))).toBe(true);
      expect(verify(row), `vector ${row.index}`).toBe(false);
      const pair = new AuthorityKeyPair(hex(row['secret key']!));
      expect(() => pair.sign(hex(row.message!), hex(row.aux_rand!))).toThrow(RangeError);
    }
  });

  it('signs every signing vector over a 32-byte message byte for byte (given its aux_rand)', () => {
    const signing = digestRows.filter((row) => row['secret key'] !== '');
    expect(signing.length).toBe(4);
    for (const row of signing) {
      const pair = new AuthorityKeyPair(hex(row['secret key']!));
      expect(pair.publicKey.toString()).toBe(new AuthorityPublicKey(hex(row['public key']!)).toString());
      expect(toHex(pair.sign(hex(row.message!), hex(row.aux_rand!))).toUpperCase(), `vector ${row.index}`).toBe(row.signature);
    }
  });

  it('signs with fresh auxiliary randomness by default, and @noble/curves verifies it', () => {
    const pair = AuthorityKeyPair.generate();
    const verifier = AuthorityPublicKey.parse(pair.publicKey.toString());
    for (let i = 0; i < 4; i++) {
      const msg = new Uint8Array(32).fill(i);
      const sig = pair.sign(msg);
      expect(toHex(pair.sign(msg))).not.toBe(toHex(sig));
      expect(schnorr.verify(sig, msg, pair.publicKey.x)).toBe(true);
      expect(verifier.verify(sig, msg)).toBe(true);
      const badSig = Uint8Array.from(sig);
      badSig[40]! ^= 0x10;
      expect(verifier.verify(badSig, msg)).toBe(false);
      const badMsg = Uint8Array.from(msg);
      badMsg[0]! ^= 1;
      expect(verifier.verify(sig, badMsg)).toBe(false);
      expect(verifier.verify(sig.subarray(0, 63), msg)).toBe(false);
    }
    expect(() => pair.sign(new Uint8Array(32), new Uint8Array(31))).toThrow(RangeError);
  });

  it('verifies as @noble/curves does on signatures with random bytes flipped', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(63), fc.integer({ min: 1, max: 255 }), (msg, at, mask) => {
        const pair = AuthorityKeyPair.generate();
        const sig = pair.sign(msg);
        const bad = Uint8Array.from(sig);
        bad[at]! ^= mask;
        expect(pair.publicKey.verify(sig, msg)).toBe(true);
        expect(pair.publicKey.verify(bad, msg)).toBe(schnorr.verify(bad, msg, pair.publicKey.x));
      }),
      { numRuns: 30 },
    );
  });
});
