import { describe, expect, it } from 'vitest';
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
  });
});

describe('BIP340 verification with an authority key (BIP340 vectors)', () => {
  const rows = loadCsv('bip340.csv');

  function verifyThrice(row: Record<string, string>): boolean[] {
    let key: AuthorityPublicKey;
    try {
      key = new AuthorityPublicKey(hex(row['public key']!));
    } catch {
      return [false, false, false];
    }
    // The first check is the generic one; later ones use the key's precomputed table.
    return [0, 1, 2].map(() => key.verify(hex(row.signature!), hex(row.message!)));
  }

  it(`agrees with every verification vector (${rows.length} rows), on both the generic and the tabulated path`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(19);
    for (const row of rows) {
      const expected = row['verification result'] === 'TRUE';
      expect(verifyThrice(row), `vector ${row.index}: ${row.comment}`).toEqual([expected, expected, expected]);
    }
  });

  it('signs what it verifies, and a flipped message or signature bit fails', () => {
    const pair = AuthorityKeyPair.generate();
    const verifier = AuthorityPublicKey.parse(pair.publicKey.toString());
    for (let i = 0; i < 4; i++) {
      const msg = new Uint8Array(32).fill(i);
      const sig = pair.sign(msg);
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
  });
});
