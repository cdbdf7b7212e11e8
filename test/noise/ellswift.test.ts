import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { bip324SharedSecret, ellswiftDecode, ellswiftEncode, xswiftecInv } from '../../src/noise/ellswift.js';
import { jacobi } from '../../src/noise/field.js';
import { KeyFormatError } from '../../src/noise/errors.js';
import { PeerPoint, SecretKey } from '../../src/noise/secp256k1.js';
import { hex, loadCsv, toHex } from '../vectors/load.js';
import { randomBytes } from '../../src/host/random.js';

describe('ElligatorSwift (BIP324 vectors)', () => {
  const decodeRows = loadCsv('bip324_ellswift_decode.csv');

  it(`decodes all ${decodeRows.length} ellswift_decode vectors`, () => {
    expect(decodeRows.length).toBeGreaterThan(70);
    for (const row of decodeRows) expect(toHex(ellswiftDecode(hex(row.ellswift!))), row.comment).toBe(row.x);
  });

  it('inverts as xswiftec_inv_test_vectors says, for every case (the encoder samples these)', () => {
    let some = 0;
    const rows = loadCsv('bip324_xswiftec_inv.csv');
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) {
      const u = BigInt('0x' + row.u);
      const x = BigInt('0x' + row.x);
      for (let c = 0; c < 8; c++) {
        const expected = row[`case${c}_t`];
        const t = xswiftecInv(x, u, c);
        expect(t === undefined ? '' : t.toString(16).padStart(64, '0'), `${row.comment} case ${c}`).toBe(expected);
        // and @scure/btc-signer's independent implementation agrees
        const theirs = elligatorSwift._inv(x, u, c);
        expect(theirs === undefined ? '' : theirs.toString(16).padStart(64, '0')).toBe(expected);
        if (t !== undefined) {
          some++;
          // and our decoder maps (u, t) back to x
          expect(toHex(ellswiftDecode(hex(row.u! + expected)))).toBe(row.x);
        }
      }
    }
    expect(some).toBeGreaterThan(50);
  });

  it('decodes random strings exactly as @scure/btc-signer does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        expect(toHex(ellswiftDecode(bytes))).toBe(toHex(elligatorSwift.decode(bytes)));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips random keys through a randomized encoding', () => {
    fc.assert(
      fc.property(fc.integer(), () => {
        const key = SecretKey.generate();
        const a = ellswiftEncode(key.xOnly);
        const b = ellswiftEncode(key.xOnly);
        expect(a.length).toBe(64);
        expect(toHex(a)).not.toBe(toHex(b));
        expect(toHex(ellswiftDecode(a))).toBe(toHex(key.xOnly));
        expect(toHex(ellswiftDecode(b))).toBe(toHex(key.xOnly));
      }),
      { numRuns: 10 },
    );
  });

  it('refuses encodings of the wrong size with a typed error', () => {
    expect(() => ellswiftDecode(new Uint8Array(63))).toThrow(KeyFormatError);
  });
});

// Ephemeral keys multiply once; reused keys multiply two random halves of the scalar and add.
describe.each([
  { mode: 'ephemeral key', ephemeral: true },
  { mode: 'reused key, split scalar', ephemeral: false },
])('BIP324 x-only ECDH ($mode)', ({ ephemeral }) => {
  const rows = loadCsv('bip324_ecdh.csv');

  it(`reproduces mid_x_ours, mid_x_shared and mid_shared_secret for all ${rows.length} packet vectors`, () => {
    expect(rows.length).toBe(7);
    for (const row of rows) {
      const key = SecretKey.fromBytes(hex(row.in_priv_ours!), { ephemeral });
      expect(key.ephemeral).toBe(ephemeral);
      expect(toHex(key.xOnly)).toBe(row.mid_x_ours);
      expect(toHex(ellswiftDecode(hex(row.in_ellswift_ours!)))).toBe(row.mid_x_ours);
      const theirX = ellswiftDecode(hex(row.in_ellswift_theirs!));
      expect(toHex(theirX)).toBe(row.mid_x_theirs);
      const shared = key.sharedX(PeerPoint.fromX(theirX));
      expect(toHex(shared)).toBe(row.mid_x_shared);
      const ours = hex(row.in_ellswift_ours!);
      const theirs = hex(row.in_ellswift_theirs!);
      const initiating = row.in_initiating === '1';
      const secret = initiating ? bip324SharedSecret(shared, ours, theirs) : bip324SharedSecret(shared, theirs, ours);
      expect(toHex(secret)).toBe(row.mid_shared_secret);
    }
  });

  it('agrees with @noble/curves on random keys and random 64-byte encodings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.bigInt({ min: 1n, max: secp256k1.Point.Fn.ORDER - 1n }), (encoding, d) => {
        const secret = hex(d.toString(16).padStart(64, '0'));
        const key = SecretKey.fromBytes(secret, { ephemeral });
        expect(toHex(key.xOnly)).toBe(toHex(schnorr.getPublicKey(secret)));
        const x = ellswiftDecode(encoding);
        const expected = secp256k1.getSharedSecret(secret, Uint8Array.of(2, ...x)).subarray(1);
        expect(toHex(key.sharedX(PeerPoint.fromX(x)))).toBe(toHex(expected));
      }),
      { numRuns: 40 },
    );
  });

  it('agrees on a shared x between two fresh keys', () => {
    const a = SecretKey.generate({ ephemeral });
    const b = SecretKey.generate({ ephemeral });
    expect(toHex(a.sharedX(PeerPoint.fromX(b.xOnly)))).toBe(toHex(b.sharedX(PeerPoint.fromX(a.xOnly))));
  });

  it('rejects secrets outside 1..n-1 and x coordinates off the curve', () => {
    const n = hex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
    const nMinus1 = Uint8Array.from(n);
    nMinus1[31]! -= 1;
    expect(() => SecretKey.fromBytes(new Uint8Array(32), { ephemeral })).toThrow(KeyFormatError);
    expect(() => SecretKey.fromBytes(n, { ephemeral })).toThrow(KeyFormatError);
    expect(() => SecretKey.fromBytes(new Uint8Array(32).fill(0xff), { ephemeral })).toThrow(KeyFormatError);
    expect(() => SecretKey.fromBytes(new Uint8Array(31).fill(1), { ephemeral })).toThrow(KeyFormatError);
    expect(SecretKey.fromBytes(nMinus1, { ephemeral }).sharedX(PeerPoint.fromX(SecretKey.generate().xOnly)).length).toBe(32);
    // x = 5: 125 + 7 = 132 is not a square mod p; p itself is out of range
    const offCurve = new Uint8Array(32);
    offCurve[31] = 5;
    expect(() => PeerPoint.fromX(offCurve)).toThrow(KeyFormatError);
    expect(() => PeerPoint.fromX(hex('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'))).toThrow(KeyFormatError);
    expect(() => PeerPoint.fromX(new Uint8Array(33))).toThrow(KeyFormatError);
  });
});

describe('reused-key ECDH', () => {
  it('splits the scalar afresh on every call, and the halves recombine exactly', () => {
    const key = SecretKey.generate();
    expect(key.ephemeral).toBe(false);
    const peer = PeerPoint.fromX(SecretKey.generate().xOnly);
    const once = SecretKey.fromBytes(key.secret, { ephemeral: true }).sharedX(peer);
    for (let i = 0; i < 20; i++) expect(toHex(key.sharedX(peer))).toBe(toHex(once));
  });

  it('a key made ephemeral can be marked reused without changing its results', () => {
    const key = SecretKey.generate({ ephemeral: true });
    const reused = key.reusable();
    expect(reused.ephemeral).toBe(false);
    expect(reused.reusable()).toBe(reused);
    const peer = PeerPoint.fromX(SecretKey.generate().xOnly);
    expect(toHex(reused.sharedX(peer))).toBe(toHex(key.sharedX(peer)));
  });
});

describe('Jacobi symbol (the square test under ElligatorSwift)', () => {
  const Fp = secp256k1.Point.Fp;
  const euler = (a: bigint): number => {
    const r = Fp.pow(Fp.create(a), (Fp.ORDER - 1n) / 2n);
    return r === 0n ? 0 : r === 1n ? 1 : -1;
  };

  it('agrees with Euler\'s criterion on random field elements and on the edge cases', () => {
    const values = [0n, 1n, 2n, 3n, 7n, Fp.ORDER - 1n, Fp.ORDER - 2n, 1n << 32n, 3n << 64n, (1n << 255n) + 1n, Fp.ORDER, Fp.ORDER + 5n];
    for (let i = 0; i < 300; i++) values.push(BigInt('0x' + toHex(randomBytes(32))) % Fp.ORDER);
    for (let i = 0; i < 50; i++) values.push(BigInt('0x' + toHex(randomBytes(4)))); // short: the number-only path from the start
    // runs of 28 to 35 trailing zeros, at the start and after a few steps (the shift's low-bit shortcut ends at 28)
    for (let k = 28n; k <= 35n; k++) values.push(((1n << 200n) + 12345n) << k, (Fp.ORDER - 1n) >> 1n << k, BigInt('0x' + toHex(randomBytes(24))) << k);
    for (let i = 0; i < 120; i++) values.push((BigInt('0x' + toHex(randomBytes(28))) | 1n) << BigInt(29 + (i % 3)));
    for (const v of values) expect(jacobi(v), `(${v}/p)`).toBe(euler(v));
  });
});
