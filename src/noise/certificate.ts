/**
 * The server certificate ("SIGNATURE_NOISE_MESSAGE", 74 bytes): version, validity window and the
 * authority's BIP340 signature over SHA256(version ‖ valid_from ‖ not_valid_after ‖ server x-only key).
 */
import type { AuthorityKeyPair, AuthorityPublicKey } from './authority-key.js';
import { CertificateError } from './errors.js';
import { sha256 } from './primitives.js';

export const CERTIFICATE_SIZE = 74;
export const CERTIFICATE_VERSION = 0;
/** SRI tolerates this much clock skew (seconds) on either side of the window. */
export const DEFAULT_CLOCK_LEEWAY_SECONDS = 10;

export interface Certificate {
  version: number;
  /** unix seconds */
  validFrom: number;
  /** unix seconds */
  notValidAfter: number;
  signature: Uint8Array;
}

function checkU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`${name} must be a u32, got ${value}`);
}

/** version (u16) ‖ valid_from (u32) ‖ not_valid_after (u32), little-endian, at the start of `into`. */
function writeFields(into: Uint8Array, version: number, validFrom: number, notValidAfter: number): void {
  if (!Number.isInteger(version) || version < 0 || version > 0xffff) throw new RangeError(`version must be a u16, got ${version}`);
  checkU32('validFrom', validFrom);
  checkU32('notValidAfter', notValidAfter);
  const view = new DataView(into.buffer, into.byteOffset, 10);
  view.setUint16(0, version, true);
  view.setUint32(2, validFrom, true);
  view.setUint32(6, notValidAfter, true);
}

/** The 32-byte message the authority signs. */
export function certificateDigest(version: number, validFrom: number, notValidAfter: number, serverKeyX: Uint8Array): Uint8Array {
  const fields = new Uint8Array(10);
  writeFields(fields, version, validFrom, notValidAfter);
  return sha256(fields, serverKeyX);
}

export function encodeCertificate(cert: Certificate): Uint8Array {
  if (cert.signature.length !== 64) throw new RangeError(`certificate signature must be 64 bytes, got ${cert.signature.length}`);
  const out = new Uint8Array(CERTIFICATE_SIZE);
  writeFields(out, cert.version, cert.validFrom, cert.notValidAfter);
  out.set(cert.signature, 10);
  return out;
}

export function decodeCertificate(bytes: Uint8Array): Certificate {
  if (bytes.length !== CERTIFICATE_SIZE) throw new CertificateError(`certificate must be ${CERTIFICATE_SIZE} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    version: view.getUint16(0, true),
    validFrom: view.getUint32(2, true),
    notValidAfter: view.getUint32(6, true),
    signature: Uint8Array.from(bytes.subarray(10)),
  };
}

/** Signs a certificate for the server whose static x-only key is `serverKeyX`. */
export function signCertificate(
  authority: AuthorityKeyPair,
  serverKeyX: Uint8Array,
  validFrom: number,
  notValidAfter: number,
  version = CERTIFICATE_VERSION,
): Certificate {
  checkU32('validFrom', validFrom);
  checkU32('notValidAfter', notValidAfter);
  if (notValidAfter < validFrom) throw new RangeError('certificate notValidAfter is before validFrom');
  const signature = authority.sign(certificateDigest(version, validFrom, notValidAfter, serverKeyX));
  return { version, validFrom, notValidAfter, signature };
}

export interface CertificateCheck {
  /** the authority the server must be vouched for by */
  authority: AuthorityPublicKey;
  /** current unix time in seconds */
  now: number;
  /** tolerated clock skew in seconds (default 10) */
  leewaySeconds?: number;
}

/** Throws CertificateError unless `cert` is valid now and signed by the expected authority for `serverKeyX`. */
export function verifyCertificate(cert: Certificate, serverKeyX: Uint8Array, check: CertificateCheck): void {
  const leeway = check.leewaySeconds ?? DEFAULT_CLOCK_LEEWAY_SECONDS;
  const now = Math.floor(check.now);
  if (now < cert.validFrom - leeway) {
    throw new CertificateError(
      `server certificate is not valid yet: valid from ${new Date(cert.validFrom * 1000).toISOString()}, now ${new Date(now * 1000).toISOString()}`,
    );
  }
  if (now > cert.notValidAfter + leeway) {
    throw new CertificateError(
      `server certificate expired at ${new Date(cert.notValidAfter * 1000).toISOString()}, now ${new Date(now * 1000).toISOString()}`,
    );
  }
  const digest = certificateDigest(cert.version, cert.validFrom, cert.notValidAfter, serverKeyX);
  if (!check.authority.verify(cert.signature, digest)) {
    throw new CertificateError(`server certificate is not signed by the expected authority ${check.authority.toString()}`);
  }
}
