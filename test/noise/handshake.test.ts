import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { AuthorityKeyPair } from '../../src/noise/authority-key.js';
import { certificateDigest, encodeCertificate, signCertificate, type Certificate } from '../../src/noise/certificate.js';
import { CertificateError, HandshakeError } from '../../src/noise/errors.js';
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder } from '../../src/noise/handshake.js';
import type { EncodedKey } from '../../src/noise/ephemeral.js';
import { SecretKey, type SecretKeyOptions } from '../../src/noise/secp256k1.js';
import { ServerIdentity } from '../../src/noise/server-identity.js';
import { hex, toHex } from '../vectors/load.js';

const NOW = 1_700_000_000;
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/** A deterministic ElligatorSwift encoding: the first (u, case) from a counter that inverts. */
function fixedEncoding(x32: Uint8Array, seed: number): Uint8Array {
  const x = BigInt('0x' + toHex(x32));
  for (let i = seed; ; i++) {
    const u = BigInt('0x' + toHex(sha256(Uint8Array.of(i & 0xff, i >> 8)))) % secp256k1.Point.Fp.ORDER;
    for (let c = 0; c < 8; c++) {
      const t = elligatorSwift._inv(x, u, c);
      if (t !== undefined) return hex(u.toString(16).padStart(64, '0') + t.toString(16).padStart(64, '0'));
    }
  }
}

function fixedKey(secretHex: string, seed: number, options?: SecretKeyOptions): EncodedKey {
  const key = SecretKey.fromBytes(hex(secretHex), options);
  return { key, encoding: fixedEncoding(key.xOnly, seed) };
}

/**
 * The handshake written out straight from the spec's pseudo-code with independent libraries
 * (noble hashes, noble ECDH, node's AEAD called directly), as the known-answer reference.
 */
function referenceHandshake(ie: EncodedKey, re: EncodedKey, rs: EncodedKey, cert: Uint8Array) {
  let h = sha256(new TextEncoder().encode('Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256'));
  let ck = h;
  h = sha256(h);
  let k: Uint8Array | undefined;
  let n = 0;
  const mixHash = (d: Uint8Array) => (h = sha256(cat(h, d)));
  const hkdf = (key: Uint8Array, ikm: Uint8Array) => {
    const temp = hmac(sha256, key, ikm);
    const o1 = hmac(sha256, temp, Uint8Array.of(1));
    return [o1, hmac(sha256, temp, cat(o1, Uint8Array.of(2)))] as const;
  };
  const mixKey = (ikm: Uint8Array) => {
    [ck, k] = hkdf(ck, ikm);
    n = 0;
  };
  const enc = (key: Uint8Array, nonce: number, ad: Uint8Array, pt: Uint8Array) => {
    const iv = Buffer.alloc(12);
    iv.writeUInt32LE(nonce, 4);
    const c = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    c.setAAD(ad, { plaintextLength: pt.length });
    return cat(c.update(pt), c.final(), c.getAuthTag());
  };
  const encryptAndHash = (pt: Uint8Array) => {
    const ct = k ? enc(k, n++, h, pt) : pt;
    mixHash(ct);
    return ct;
  };
  const secretOf = (key: EncodedKey) => key.key.secret;
  const ecdh = (mySecret: Uint8Array, theirEnc: Uint8Array, initiatorEnc: Uint8Array, responderEnc: Uint8Array) => {
    const x = secp256k1.getSharedSecret(mySecret, cat(Uint8Array.of(2), elligatorSwift.decode(theirEnc))).subarray(1);
    const tag = sha256(new TextEncoder().encode('bip324_ellswift_xonly_ecdh'));
    return sha256(cat(tag, tag, initiatorEnc, responderEnc, x));
  };
  // act 1
  mixHash(ie.encoding);
  encryptAndHash(new Uint8Array(0));
  // act 2 (responder side)
  mixHash(re.encoding);
  mixKey(ecdh(secretOf(re), ie.encoding, ie.encoding, re.encoding));
  const encStatic = encryptAndHash(rs.encoding);
  mixKey(ecdh(secretOf(rs), ie.encoding, ie.encoding, rs.encoding));
  const encCert = encryptAndHash(cert);
  const [c1, c2] = hkdf(ck, new Uint8Array(0));
  return { act2: cat(re.encoding, encStatic, encCert), c1, c2, enc };
}

// Ephemeral keys take the single-multiplication ECDH, reused ones the split one; the static key
// is always reused (ServerIdentity sees to it), so both modes must give the same bytes.
describe.each([
  { mode: 'ephemeral keys', ephemeral: true },
  { mode: 'keys marked reused', ephemeral: false },
])('Noise NX handshake ($mode)', ({ ephemeral }) => {
  const authority = new AuthorityKeyPair(hex('3333333333333333333333333333333333333333333333333333333333333333'));
  const ie = fixedKey('1111111111111111111111111111111111111111111111111111111111111111', 1, { ephemeral });
  const re = fixedKey('2222222222222222222222222222222222222222222222222222222222222222', 2, { ephemeral });
  const rs = fixedKey('4444444444444444444444444444444444444444444444444444444444444444', 3, { ephemeral });
  const certificate: Certificate = {
    version: 0,
    validFrom: NOW,
    notValidAfter: NOW + 3600,
    signature: schnorr.sign(certificateDigest(0, NOW, NOW + 3600, rs.key.xOnly), authority.secret, new Uint8Array(32)),
  };

  it('produces exactly the bytes and keys of the spec-derived reference', () => {
    const ref = referenceHandshake(ie, re, rs, encodeCertificate(certificate));
    const initiator = new NoiseInitiator({ authority: authority.publicKey, ephemeral: ie });
    const responder = new NoiseResponder(ServerIdentity.withCertificate(rs, certificate), { ephemeral: re });
    const act1 = initiator.act1();
    expect(act1.length).toBe(ACT1_SIZE);
    expect(toHex(act1)).toBe(toHex(ie.encoding));
    const { act2, session: responderSession } = responder.readAct1(act1, NOW);
    expect(act2.length).toBe(ACT2_SIZE);
    expect(toHex(act2)).toBe(toHex(ref.act2));
    const initiatorSession = initiator.readAct2(act2, NOW);
    expect(toHex(initiator.serverStaticKey!)).toBe(toHex(rs.key.xOnly));
    expect(initiator.certificate).toEqual(certificate);

    // c1 carries initiator → responder traffic, c2 the other way; both start at nonce 0.
    const frame = hex('00801a180000' + '01000000070000002a000000efbeadde0000006600000020');
    const sent = initiatorSession.encryptFrame(frame);
    expect(toHex(sent.subarray(0, 22))).toBe(toHex(ref.enc(ref.c1, 0, new Uint8Array(0), frame.subarray(0, 6))));
    expect(toHex(sent.subarray(22))).toBe(toHex(ref.enc(ref.c1, 1, new Uint8Array(0), frame.subarray(6))));
    expect(responderSession.decryptChunk(sent).map(toHex)).toEqual([toHex(frame)]);
    const back = responderSession.encryptFrame(frame);
    expect(toHex(back.subarray(0, 22))).toBe(toHex(ref.enc(ref.c2, 0, new Uint8Array(0), frame.subarray(0, 6))));
    expect(initiatorSession.decryptChunk(back).map(toHex)).toEqual([toHex(frame)]);
  });

  it('works with fresh random keys end to end', () => {
    const identity = ServerIdentity.create({ authority, staticKey: SecretKey.generate({ ephemeral }) });
    expect(identity.staticKey.key.ephemeral).toBe(false);
    const initiator = new NoiseInitiator({ authority: authority.publicKey });
    const { act2, session: server } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
    const client = initiator.readAct2(act2, NOW);
    const frame = hex('000000000000');
    expect(server.decryptChunk(client.encryptFrame(frame)).map(toHex)).toEqual([toHex(frame)]);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('handshake failures', () => {
  const authority = AuthorityKeyPair.generate();
  const identity = ServerIdentity.create({ authority });

  function run(initiatorOptions: ConstructorParameters<typeof NoiseInitiator>[0], serverNow = NOW, clientNow = NOW, server = identity) {
    const initiator = new NoiseInitiator(initiatorOptions);
    const { act2 } = new NoiseResponder(server).readAct1(initiator.act1(), serverNow);
    return () => initiator.readAct2(act2, clientNow);
  }

  it('refuses a server vouched for by another authority, naming the expected one', () => {
    const other = AuthorityKeyPair.generate();
    const error = catchError(run({ authority: other.publicKey }));
    expect(error).toBeInstanceOf(CertificateError);
    expect(error.message).toBe(`server certificate is not signed by the expected authority ${other.publicKey.toString()}`);
  });

  it('accepts any server when no authority is configured (trusted local links)', () => {
    expect(run({})).not.toThrow();
  });

  it('checks the validity window with ±10 s of leeway by default, and a configurable leeway', () => {
    const key = SecretKey.generate();
    const cert = signCertificate(authority, key.xOnly, NOW, NOW + 100);
    const server = ServerIdentity.withCertificate(key, cert);
    const opts = { authority: authority.publicKey };
    expect(run(opts, NOW, NOW - 10, server)).not.toThrow();
    expect(run(opts, NOW, NOW - 11, server)).toThrow('not valid yet');
    expect(run(opts, NOW, NOW + 110, server)).not.toThrow();
    expect(run(opts, NOW, NOW + 111, server)).toThrow('expired');
    expect(run({ ...opts, leewaySeconds: 0 }, NOW, NOW - 1, server)).toThrow(CertificateError);
    expect(run({ ...opts, leewaySeconds: 0 }, NOW, NOW + 101, server)).toThrow(CertificateError);
    expect(run({ ...opts, leewaySeconds: 60 }, NOW, NOW - 60, server)).not.toThrow();
  });

  it('refuses a certificate signed for another static key', () => {
    const cert = signCertificate(authority, SecretKey.generate().xOnly, NOW, NOW + 100);
    const server = ServerIdentity.withCertificate(SecretKey.generate(), cert);
    expect(run({ authority: authority.publicKey }, NOW, NOW, server)).toThrow(CertificateError);
  });

  it('fails with HandshakeError when any byte of act 2 is altered', () => {
    for (const index of [0, 63, 64, 100, 143, 144, 200, 233]) {
      const initiator = new NoiseInitiator({ authority: authority.publicKey });
      const { act2 } = new NoiseResponder(identity).readAct1(initiator.act1(), NOW);
      act2[index]! ^= 0x01;
      const error = catchError(() => initiator.readAct2(act2, NOW));
      expect(error, `byte ${index}`).toBeInstanceOf(HandshakeError);
      expect(error, `byte ${index}`).not.toBeInstanceOf(CertificateError);
      expect(error.message).toMatch(/^act 2 failed authentication/);
    }
  });

  it('refuses acts of the wrong size', () => {
    expect(() => new NoiseResponder(identity).readAct1(new Uint8Array(63), NOW)).toThrow('act 1 must be 64 bytes, got 63');
    const initiator = new NoiseInitiator();
    initiator.act1();
    expect(() => initiator.readAct2(new Uint8Array(170), NOW)).toThrow('act 2 must be 234 bytes, got 170');
  });

  it('answers 64 random bytes in place of act 1 (every string decodes), yet no session can follow', () => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    const { act2, session } = new NoiseResponder(identity).readAct1(garbage, NOW);
    expect(act2.length).toBe(ACT2_SIZE);
    expect(() => session.decryptChunk(new Uint8Array(22).fill(7))).toThrow('failed authentication');
  });
});

describe('ServerIdentity', () => {
  it('signs once and reuses the certificate until half its validity has passed', () => {
    const authority = AuthorityKeyPair.generate();
    const identity = ServerIdentity.create({ authority, validitySeconds: 100 });
    const first = identity.certificateAt(NOW);
    expect(identity.certificateAt(NOW + 49)).toBe(first);
    const renewed = identity.certificateAt(NOW + 50);
    expect(renewed).not.toBe(first);
    expect(identity.certificate).toMatchObject({ validFrom: NOW + 50, notValidAfter: NOW + 150 });
  });
});
