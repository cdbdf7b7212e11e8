import type { AuthorityKeyPair } from './authority-key.js';
import { encodeCertificate, signCertificate, type Certificate } from './certificate.js';
import { encodeKey, type EncodedKey } from './ephemeral.js';
import { SecretKey } from './secp256k1.js';

/** SRI's default certificate validity. */
export const DEFAULT_CERTIFICATE_VALIDITY_SECONDS = 3600;

export interface ServerIdentityOptions {
  /** the authority that vouches for this server; with it, certificates are re-signed as they age */
  authority: AuthorityKeyPair;
  /** the server's static key (optionally with a fixed encoding); a fresh one by default */
  staticKey?: SecretKey | EncodedKey;
  validitySeconds?: number;
}

/**
 * A responder's static key and its certificate. The certificate is signed once and reused until half
 * its validity has passed (a BIP340 signature costs milliseconds; a handshake should not pay it).
 */
export class ServerIdentity {
  readonly staticKey: EncodedKey;
  private readonly validity: number;
  private current: { cert: Certificate; bytes: Uint8Array } | undefined;

  private constructor(
    staticKey: SecretKey | EncodedKey,
    private readonly authority: AuthorityKeyPair | undefined,
    validitySeconds: number,
    preSigned?: Certificate,
  ) {
    if (!Number.isInteger(validitySeconds) || validitySeconds <= 0) throw new RangeError('certificate validity must be a positive number of seconds');
    // The static key's encoding is made once: it travels encrypted, so reusing it reveals nothing new.
    const encoded = staticKey instanceof SecretKey ? encodeKey(staticKey) : staticKey;
    // It serves every handshake, so its ECDH takes the split path even if it was made as ephemeral.
    this.staticKey = { key: encoded.key.reusable(), encoding: encoded.encoding };
    this.validity = validitySeconds;
    if (preSigned) this.current = { cert: preSigned, bytes: encodeCertificate(preSigned) };
  }

  static create(options: ServerIdentityOptions): ServerIdentity {
    return new ServerIdentity(options.staticKey ?? SecretKey.generate(), options.authority, options.validitySeconds ?? DEFAULT_CERTIFICATE_VALIDITY_SECONDS);
  }

  /** A server holding a certificate signed elsewhere (the authority secret stays offline); it is never re-signed. */
  static withCertificate(staticKey: SecretKey | EncodedKey, certificate: Certificate): ServerIdentity {
    return new ServerIdentity(staticKey, undefined, Math.max(1, certificate.notValidAfter - certificate.validFrom), certificate);
  }

  /** The encoded certificate to present at unix time `now` (seconds). */
  certificateAt(now: number): Uint8Array {
    const nowSeconds = Math.floor(now);
    const cur = this.current;
    if (this.authority && (!cur || nowSeconds < cur.cert.validFrom || nowSeconds - cur.cert.validFrom >= this.validity / 2)) {
      const cert = signCertificate(this.authority, this.staticKey.key.xOnly, nowSeconds, Math.min(0xffff_ffff, nowSeconds + this.validity));
      this.current = { cert, bytes: encodeCertificate(cert) };
    }
    return this.current!.bytes;
  }

  get certificate(): Certificate | undefined {
    return this.current?.cert;
  }
}
