/**
 * The symmetric primitives of the Sv2 Noise suite: SHA-256 over several parts, HMAC-SHA256,
 * Noise's two-output HKDF, its nonce layout, and ChaCha20-Poly1305 (RFC 8439). The primitives
 * themselves come from src/host, which picks the fastest implementation the runtime has.
 */
import { concatBytes } from '../bitcoin/bytes.js';
import { AeadKey, aeadOpenInto, aeadSealInto, MAC_SIZE } from '../host/aead.js';
import { hmacSha256 as hostHmac, sha256 as hostSha256 } from '../host/hash.js';

export { AeadKey, MAC_SIZE };
const NONCE_SIZE = 12;

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return hostSha256(parts.length === 1 ? parts[0]! : concatBytes(...parts));
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  return hostHmac(key, parts);
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/** Noise HKDF with two outputs (RFC 5869 extract + expand, empty info). */
export function hkdf2(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = hmacSha256(chainingKey, inputKeyMaterial);
  const out1 = hmacSha256(temp, ONE);
  const out2 = hmacSha256(temp, out1, TWO);
  return [out1, out2];
}

/**
 * Noise's ChaChaPoly nonce for `counter`: four zero bytes, then the 64-bit counter little-endian.
 * Written into `into` when given (every implementation copies the nonce, so a cipher state reuses one).
 */
export function noiseNonce(counter: number, into: Uint8Array = new Uint8Array(NONCE_SIZE)): Uint8Array {
  const low = counter >>> 0;
  const high = Math.floor(counter / 0x1_0000_0000);
  into[4] = low;
  into[5] = low >>> 8;
  into[6] = low >>> 16;
  into[7] = low >>> 24;
  into[8] = high;
  into[9] = high >>> 8;
  into[10] = high >>> 16;
  into[11] = high >>> 24;
  return into;
}

/** Encrypts `plaintext` into `out` at `offset` (ciphertext then 16-byte tag); returns the bytes written. */
export const aeadEncryptInto = aeadSealInto;

export function aeadEncrypt(key: AeadKey, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + MAC_SIZE);
  aeadSealInto(key, nonce, ad, plaintext, out, 0);
  return out;
}

/**
 * Decrypts `ciphertext` (body ‖ tag) and writes the plaintext to `out` at `offset`.
 * Returns false when authentication fails; nothing trustworthy is left in `out` then.
 */
export const aeadDecryptInto = aeadOpenInto;
