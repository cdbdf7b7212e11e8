/**
 * The symmetric primitives of the Sv2 Noise suite, all from node:crypto:
 * SHA-256, HMAC-SHA256, Noise's two-output HKDF and ChaCha20-Poly1305 (RFC 8439).
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

export const MAC_SIZE = 16;
const NONCE_SIZE = 12;

export function sha256(...parts: Uint8Array[]): Buffer {
  if (parts.length === 1) return hash('sha256', parts[0]!, 'buffer');
  return hash('sha256', Buffer.concat(parts), 'buffer');
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/** Noise HKDF with two outputs (RFC 5869 extract + expand, empty info). */
export function hkdf2(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array): [Buffer, Buffer] {
  const temp = hmacSha256(chainingKey, inputKeyMaterial);
  const out1 = hmacSha256(temp, ONE);
  const out2 = hmacSha256(temp, out1, TWO);
  return [out1, out2];
}

/** An AEAD key imported once: per-message cipher creation is cheaper from a KeyObject than from raw bytes. */
export type AeadKey = KeyObject | Uint8Array;

export function aeadKey(raw: Uint8Array): KeyObject {
  return createSecretKey(raw);
}

/** Noise's ChaChaPoly nonce: four zero bytes, then the 64-bit counter little-endian. */
function nonceBytes(counter: number): Buffer {
  const nonce = Buffer.alloc(NONCE_SIZE);
  nonce.writeUInt32LE(counter >>> 0, 4);
  nonce.writeUInt32LE(Math.floor(counter / 0x1_0000_0000), 8);
  return nonce;
}

/** Encrypts `plaintext` into `out` at `offset` (ciphertext then 16-byte tag); returns the bytes written. */
export function aeadEncryptInto(
  key: AeadKey,
  counter: number,
  ad: Uint8Array | undefined,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const cipher = createCipheriv('chacha20-poly1305', key, nonceBytes(counter), { authTagLength: MAC_SIZE });
  if (ad !== undefined && ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
  let written = 0;
  if (plaintext.length > 0) {
    const body = cipher.update(plaintext);
    out.set(body, offset);
    written = body.length;
  }
  cipher.final();
  out.set(cipher.getAuthTag(), offset + written);
  return written + MAC_SIZE;
}

export function aeadEncrypt(key: AeadKey, counter: number, ad: Uint8Array | undefined, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + MAC_SIZE);
  aeadEncryptInto(key, counter, ad, plaintext, out, 0);
  return out;
}

/**
 * Decrypts `ciphertext` (body ‖ tag) and writes the plaintext to `out` at `offset`.
 * Returns false when authentication fails; nothing trustworthy is left in `out` then.
 */
export function aeadDecryptInto(
  key: AeadKey,
  counter: number,
  ad: Uint8Array | undefined,
  ciphertext: Uint8Array,
  out: Uint8Array,
  offset: number,
): boolean {
  if (ciphertext.length < MAC_SIZE) return false;
  const bodyLength = ciphertext.length - MAC_SIZE;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonceBytes(counter), { authTagLength: MAC_SIZE });
  decipher.setAuthTag(ciphertext.subarray(bodyLength));
  if (ad !== undefined && ad.length > 0) decipher.setAAD(ad, { plaintextLength: bodyLength });
  try {
    if (bodyLength > 0) out.set(decipher.update(ciphertext.subarray(0, bodyLength)), offset);
    decipher.final();
    return true;
  } catch {
    return false;
  }
}
