/**
 * The portable implementations in src/host (what a browser, Deno or Bun runs) give the same bytes
 * as the Node ones, checked here on Node where both exist. test/host/runtimes.test.ts runs the
 * portable path for real, in a browser and in Deno.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadKey, nodeAead, portableAead } from '../../src/host/aead.js';
import { nodeHashes, portableHashes } from '../../src/host/hash.js';
import { nodeSecp256k1, portableSecp256k1, type Secp256k1 } from '../../src/host/secp256k1.js';
import { randomBytes } from '../../src/host/random.js';
import { toHex } from '../vectors/load.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const node = { hashes: nodeHashes!, aead: nodeAead!, secp: nodeSecp256k1()! };

describe('src/host on Node', () => {
  it('finds Node, so the fast paths are the ones in use here', () => {
    expect(nodeHashes).toBeDefined();
    expect(nodeAead).toBeDefined();
    expect(nodeSecp256k1()).toBeDefined();
  });
});

describe('portable hashes', () => {
  it('SHA-256 and HMAC-SHA256 match node:crypto', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 4 }), (data, key, parts) => {
        expect(toHex(portableHashes.sha256(data))).toBe(toHex(node.hashes.sha256(data)));
        expect(toHex(portableHashes.hmacSha256(key, parts))).toBe(toHex(node.hashes.hmacSha256(key, parts)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('portable ChaCha20-Poly1305', () => {
  it('seals what Node seals, on both sides of the small-message limit, and opens only what is intact', () => {
    fc.assert(
      fc.property(bytes(32), bytes(12), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), fc.uint8Array({ maxLength: 700 }), fc.nat(), (raw, nonce, ad, plaintext, flip) => {
        const key = new AeadKey(raw);
        const sealed = new Uint8Array(plaintext.length + 18);
        const expected = new Uint8Array(plaintext.length + 16);
        expect(portableAead.sealInto(key, nonce, ad, plaintext, sealed, 2)).toBe(plaintext.length + 16);
        node.aead.sealInto(key, nonce, ad, plaintext, expected, 0);
        expect(toHex(sealed.subarray(2))).toBe(toHex(expected));
        const back = new Uint8Array(plaintext.length + 1);
        expect(portableAead.openInto(key, nonce, ad, expected, back, 1)).toBe(true);
        expect(toHex(back.subarray(1))).toBe(toHex(plaintext));
        const bad = Uint8Array.from(expected);
        bad[flip % bad.length]! ^= 1 << flip % 8;
        expect(portableAead.openInto(key, nonce, ad, bad, back, 1)).toBe(false);
        expect(portableAead.openInto(key, nonce, ad, expected.subarray(0, 15), back, 1)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('portable secp256k1', () => {
  const secret = bytes(32).filter((s) => {
    try {
      node.secp.xOnlyPublicKey(s);
      return true;
    } catch {
      return false;
    }
  });
  const both = (f: (secp: Secp256k1) => Uint8Array | boolean | null) => {
    const [a, b] = [f(portableSecp256k1), f(node.secp)];
    return [a instanceof Uint8Array ? toHex(a) : a, b instanceof Uint8Array ? toHex(b) : b];
  };

  it('agrees with libsecp256k1 on keys, multiplication, addition and scalar subtraction', () => {
    fc.assert(
      fc.property(secret, secret, (a, b) => {
        const [px, nx] = both((s) => s.xOnlyPublicKey(a));
        expect(px).toBe(nx);
        const compressed = Uint8Array.of(2, ...node.secp.xOnlyPublicKey(b));
        const [pu, nu] = both((s) => s.decompress(compressed));
        expect(pu).toBe(nu);
        const point = node.secp.decompress(compressed);
        const [pm, nm] = both((s) => s.multiply(point, a));
        expect(pm).toBe(nm);
        const other = node.secp.multiply(point, a)!;
        const [pa, na] = both((s) => s.add(point, other));
        expect(pa).toBe(na);
        const [ps, ns] = both((s) => s.scalarSub(a, b));
        expect(ps).toBe(ns);
        expect(portableSecp256k1.scalarSub(a, a)).toBeNull();
      }),
      { numRuns: 30 },
    );
  });

  it('lifts the same x coordinates, and refuses the same', () => {
    fc.assert(
      fc.property(bytes(32), (x) => {
        const [p, n] = both((s) => s.isXOnlyPoint(x));
        expect(p).toBe(n);
      }),
      { numRuns: 200 },
    );
  });

  it('signs BIP340 byte for byte as libsecp256k1 does, and each verifies the other', () => {
    fc.assert(
      fc.property(secret, bytes(32), bytes(32), (key, digest, aux) => {
        const [ps, ns] = both((s) => s.signSchnorr(digest, key, aux));
        expect(ps).toBe(ns);
        const x = node.secp.xOnlyPublicKey(key);
        const signature = portableSecp256k1.signSchnorr(digest, key, aux);
        expect(node.secp.verifySchnorr(digest, x, signature)).toBe(true);
        expect(portableSecp256k1.verifySchnorr(digest, x, node.secp.signSchnorr(digest, key, aux))).toBe(true);
        const forged = Uint8Array.from(signature);
        forged[63]! ^= 1;
        expect(portableSecp256k1.verifySchnorr(digest, x, forged)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe('randomBytes', () => {
  it('returns fresh bytes of the length asked for', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('draws from its refilled buffer never repeat and never hand out wiped (zero) bytes', () => {
    // 2 000 draws of 33 bytes cross the 8 KiB buffer's refill eight times; one large draw bypasses it
    const draws = Array.from({ length: 2000 }, (_, i) => randomBytes(i % 2 === 0 ? 33 : 7));
    draws.push(randomBytes(5000));
    expect(draws.map((d) => d.length).slice(0, 3)).toEqual([33, 7, 33]);
    expect(new Set(draws.filter((d) => d.length === 33).map(toHex)).size).toBe(1000);
    expect(toHex(Uint8Array.from(draws.flatMap((d) => [...d])))).not.toMatch(/(00){12}/);
    expect(() => randomBytes(-1)).toThrow(RangeError);
    expect(randomBytes(0).length).toBe(0);
  });
});
