import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { bip324SharedSecret, ellswiftDecode, ellswiftEncode, xswiftecInv } from '../../src/noise/ellswift.js';
import { KeyFormatError } from '../../src/noise/errors.js';
import { PeerPoint, SecretKey, type EcdhBackend } from '../../src/noise/secp256k1.js';
import { hex, loadCsv, toHex } from '../vectors/load.js';

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

describe.each<EcdhBackend>(['native', 'noble'])('BIP324 x-only ECDH (%s backend)', (backend) => {
  const rows = loadCsv('bip324_ecdh.csv');

  it(`reproduces mid_x_ours, mid_x_shared and mid_shared_secret for all ${rows.length} packet vectors`, () => {
    expect(rows.length).toBe(7);
    for (const row of rows) {
      const key = SecretKey.fromBytes(hex(row.in_priv_ours!), backend);
      expect(toHex(key.xOnly)).toBe(row.mid_x_ours);
      expect(toHex(ellswiftDecode(hex(row.in_ellswift_ours!)))).toBe(row.mid_x_ours);
      const theirX = ellswiftDecode(hex(row.in_ellswift_theirs!));
      expect(toHex(theirX)).toBe(row.mid_x_theirs);
      const shared = key.sharedX(PeerPoint.fromX(theirX, backend));
      expect(toHex(shared)).toBe(row.mid_x_shared);
      const ours = hex(row.in_ellswift_ours!);
      const theirs = hex(row.in_ellswift_theirs!);
      const initiating = row.in_initiating === '1';
      const secret = initiating ? bip324SharedSecret(shared, ours, theirs) : bip324SharedSecret(shared, theirs, ours);
      expect(toHex(secret)).toBe(row.mid_shared_secret);
    }
  });

  it('agrees on a shared x between two fresh keys', () => {
    const a = SecretKey.generate(backend);
    const b = SecretKey.generate(backend);
    expect(toHex(a.sharedX(PeerPoint.fromX(b.xOnly, backend)))).toBe(toHex(b.sharedX(PeerPoint.fromX(a.xOnly, backend))));
  });

  it('rejects secrets outside 1..n-1 and x coordinates off the curve', () => {
    expect(() => SecretKey.fromBytes(new Uint8Array(32), backend)).toThrow(KeyFormatError);
    expect(() => SecretKey.fromBytes(new Uint8Array(32).fill(0xff), backend)).toThrow(KeyFormatError);
    // x = 5: 125 + 7 = 132 is not a square mod p
    const offCurve = new Uint8Array(32);
    offCurve[31] = 5;
    expect(() => PeerPoint.fromX(offCurve, backend)).toThrow(KeyFormatError);
  });
});
