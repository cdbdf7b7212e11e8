/**
 * Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256, the Sv2 handshake:
 *   act 1 (initiator → responder, 64 bytes):  e
 *   act 2 (responder → initiator, 234 bytes): e, ee, s, es, and the signed certificate
 * Both sides are pure state machines: bytes in, bytes out; the caller supplies the clock.
 */
import type { AuthorityPublicKey } from './authority-key.js';
import { CERTIFICATE_SIZE, decodeCertificate, verifyCertificate, type Certificate } from './certificate.js';
import { bip324SharedSecret, ELLSWIFT_SIZE, ellswiftDecode } from './ellswift.js';
import { generateEncodedKey, type EncodedKey } from './ephemeral.js';
import { CertificateError, DecryptError, HandshakeError, NoiseError } from './errors.js';
import { MAC_SIZE } from './primitives.js';
import { PeerPoint } from './secp256k1.js';
import type { ServerIdentity } from './server-identity.js';
import { NoiseSession, type SessionOptions } from './session.js';
import { SymmetricState } from './symmetric-state.js';

export const ACT1_SIZE = ELLSWIFT_SIZE;
export const ACT2_SIZE = ELLSWIFT_SIZE + (ELLSWIFT_SIZE + MAC_SIZE) + (CERTIFICATE_SIZE + MAC_SIZE);

function peerFrom(encoding: Uint8Array): PeerPoint {
  // Every 64-byte string decodes to a curve x coordinate, so this cannot fail on peer input.
  return PeerPoint.onCurve(ellswiftDecode(encoding));
}

export interface InitiatorOptions {
  /**
   * The authority the server must present a certificate from. Without one the certificate is not
   * checked at all (SRI's behaviour for trusted local links): any server is accepted.
   */
  authority?: AuthorityPublicKey;
  /** tolerated clock skew for the certificate window, in seconds (default 10) */
  leewaySeconds?: number;
  /** a ready ephemeral key, e.g. from an EphemeralKeyPool; a fresh one by default */
  ephemeral?: EncodedKey;
  session?: SessionOptions;
}

/** The connecting side. */
export class NoiseInitiator {
  private readonly state = new SymmetricState();
  private readonly ephemeral: EncodedKey;
  private stage: 'new' | 'sent' | 'done' = 'new';
  /** the server's static x-only key, once act 2 is read */
  serverStaticKey: Uint8Array | undefined;
  /** the server's certificate, once act 2 is read */
  certificate: Certificate | undefined;

  constructor(private readonly options: InitiatorOptions = {}) {
    this.ephemeral = options.ephemeral ?? generateEncodedKey();
  }

  /** Act 1: the 64 bytes to send first. */
  act1(): Uint8Array {
    if (this.stage !== 'new') throw new HandshakeError('act 1 was already produced');
    this.stage = 'sent';
    this.state.mixHash(this.ephemeral.encoding);
    this.state.encryptAndHash(new Uint8Array(0));
    return this.ephemeral.encoding;
  }

  /**
   * Reads act 2 (exactly 234 bytes) at unix time `now` (seconds) and returns the transport session.
   * Throws HandshakeError, or CertificateError when the server is not vouched for by the authority.
   */
  readAct2(act2: Uint8Array, now: number): NoiseSession {
    if (this.stage !== 'sent') throw new HandshakeError('act 2 read before act 1 was sent, or twice');
    this.stage = 'done';
    if (act2.length !== ACT2_SIZE) throw new HandshakeError(`act 2 must be ${ACT2_SIZE} bytes, got ${act2.length}`);
    const mine = this.ephemeral.encoding;
    try {
      const responderEphemeral = act2.subarray(0, ELLSWIFT_SIZE);
      this.state.mixHash(responderEphemeral);
      const ee = this.ephemeral.key.sharedX(peerFrom(responderEphemeral));
      this.state.mixKey(bip324SharedSecret(ee, mine, responderEphemeral));

      const responderStatic = this.state.decryptAndHash(act2.subarray(ELLSWIFT_SIZE, 2 * ELLSWIFT_SIZE + MAC_SIZE));
      const staticPeer = peerFrom(responderStatic);
      const es = this.ephemeral.key.sharedX(staticPeer);
      this.state.mixKey(bip324SharedSecret(es, mine, responderStatic));

      const certificate = decodeCertificate(this.state.decryptAndHash(act2.subarray(2 * ELLSWIFT_SIZE + MAC_SIZE)));
      this.serverStaticKey = staticPeer.x;
      this.certificate = certificate;
      if (this.options.authority) {
        verifyCertificate(certificate, staticPeer.x, { authority: this.options.authority, now, leewaySeconds: this.options.leewaySeconds });
      }
    } catch (err) {
      if (err instanceof CertificateError) throw err;
      if (err instanceof DecryptError) throw new HandshakeError('act 2 failed authentication: the responder is not speaking Sv2 Noise, or the bytes were altered', { cause: err });
      if (err instanceof NoiseError) throw new HandshakeError(`act 2 rejected: ${err.message}`, { cause: err });
      throw err;
    }
    const [toResponder, toInitiator] = this.state.split();
    return new NoiseSession(toResponder, toInitiator, this.options.session);
  }
}

export interface ResponderOptions {
  /** a ready ephemeral key, e.g. from an EphemeralKeyPool; a fresh one by default */
  ephemeral?: EncodedKey;
  session?: SessionOptions;
}

/** The listening side. */
export class NoiseResponder {
  private readonly state = new SymmetricState();
  private done = false;

  constructor(
    private readonly identity: ServerIdentity,
    private readonly options: ResponderOptions = {},
  ) {}

  /** Reads act 1 (exactly 64 bytes) at unix time `now` (seconds); returns act 2 and the transport session. */
  readAct1(act1: Uint8Array, now: number): { act2: Uint8Array; session: NoiseSession } {
    if (this.done) throw new HandshakeError('act 1 was already read');
    this.done = true;
    if (act1.length !== ACT1_SIZE) throw new HandshakeError(`act 1 must be ${ACT1_SIZE} bytes, got ${act1.length}`);
    const state = this.state;
    const initiatorEphemeral = Uint8Array.from(act1);
    state.mixHash(initiatorEphemeral);
    state.decryptAndHash(new Uint8Array(0));
    const initiator = peerFrom(initiatorEphemeral);

    const ephemeral = this.options.ephemeral ?? generateEncodedKey();
    const staticKey = this.identity.staticKey;
    const act2 = new Uint8Array(ACT2_SIZE);
    act2.set(ephemeral.encoding, 0);
    state.mixHash(ephemeral.encoding);
    state.mixKey(bip324SharedSecret(ephemeral.key.sharedX(initiator), initiatorEphemeral, ephemeral.encoding));
    act2.set(state.encryptAndHash(staticKey.encoding), ELLSWIFT_SIZE);
    state.mixKey(bip324SharedSecret(staticKey.key.sharedX(initiator), initiatorEphemeral, staticKey.encoding));
    act2.set(state.encryptAndHash(this.identity.certificateAt(now)), 2 * ELLSWIFT_SIZE + MAC_SIZE);

    const [toResponder, toInitiator] = state.split();
    return { act2, session: new NoiseSession(toInitiator, toResponder, this.options.session) };
  }
}
