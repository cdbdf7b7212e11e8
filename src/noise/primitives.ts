/**
 * The symmetric primitives of the Sv2 Noise suite: SHA-256, HMAC-SHA256 and Noise's two-output
 * HKDF from node:crypto, and ChaCha20-Poly1305 (RFC 8439) from node:crypto or, for short
 * messages, from small-aead.ts.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { SMALL_AEAD_MAX_AD, smallOpenInto, smallSealInto } from './small-aead.js';

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

/**
 * A ChaCha20-Poly1305 key in the two forms its implementations take: raw bytes for short messages
 * (WebAssembly) and, made on first need, a node:crypto KeyObject (cheaper per cipher than raw bytes).
 */
export class AeadKey {
  private object: KeyObject | undefined;
  readonly raw: Uint8Array;

  constructor(raw: Uint8Array) {
    if (raw.length !== 32) throw new RangeError(`ChaCha20-Poly1305 keys are 32 bytes, got ${raw.length}`);
    this.raw = Uint8Array.from(raw);
  }

  get keyObject(): KeyObject {
    this.object ??= createSecretKey(this.raw);
    return this.object;
  }
}

/**
 * Messages shorter than this go to the WebAssembly AEAD, longer ones to node:crypto: node:crypto
 * costs ~3 µs per message whatever its size, the WebAssembly one ~1.2 µs plus ~7.5 ns per byte,
 * and they cross between 256 and 384 bytes.
 */
export const SMALL_MESSAGE_LIMIT = 256;

function isSmall(plaintextLength: number, ad: Uint8Array | undefined): boolean {
  return plaintextLength < SMALL_MESSAGE_LIMIT && (ad === undefined || ad.length <= SMALL_AEAD_MAX_AD);
}

const AEAD = 'chacha20-poly1305';
const AEAD_OPTIONS = { authTagLength: MAC_SIZE } as const;

/**
 * Noise's ChaChaPoly nonce for `counter`: four zero bytes, then the 64-bit counter little-endian.
 * Written into `into` when given (both implementations copy the nonce, so a cipher state reuses one).
 */
export function noiseNonce(counter: number, into: Buffer = Buffer.alloc(NONCE_SIZE)): Buffer {
  into.writeUInt32LE(counter >>> 0, 4);
  into.writeUInt32LE(Math.floor(counter / 0x1_0000_0000), 8);
  return into;
}

/** Encrypts `plaintext` into `out` at `offset` (ciphertext then 16-byte tag); returns the bytes written. */
export function aeadEncryptInto(
  key: AeadKey,
  nonce: Uint8Array,
  ad: Uint8Array | undefined,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  if (isSmall(plaintext.length, ad)) return smallSealInto(key.raw, nonce, ad, plaintext, out, offset);
  return nodeSealInto(key.keyObject, nonce, ad, plaintext, out, offset);
}

export function aeadEncrypt(key: AeadKey, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + MAC_SIZE);
  aeadEncryptInto(key, nonce, ad, plaintext, out, 0);
  return out;
}

/**
 * Decrypts `ciphertext` (body ‖ tag) and writes the plaintext to `out` at `offset`.
 * Returns false when authentication fails; nothing trustworthy is left in `out` then.
 */
export function aeadDecryptInto(
  key: AeadKey,
  nonce: Uint8Array,
  ad: Uint8Array | undefined,
  ciphertext: Uint8Array,
  out: Uint8Array,
  offset: number,
): boolean {
  if (ciphertext.length < MAC_SIZE) return false;
  if (isSmall(ciphertext.length - MAC_SIZE, ad)) return smallOpenInto(key.raw, nonce, ad, ciphertext, out, offset);
  return nodeOpenInto(key.keyObject, nonce, ad, ciphertext, out, offset);
}

/** `aeadEncryptInto` on node:crypto alone, whatever the size. */
export function nodeSealInto(
  key: KeyObject | Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array | undefined,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const cipher = createCipheriv(AEAD, key, nonce, AEAD_OPTIONS);
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

/** `aeadDecryptInto` on node:crypto alone, whatever the size. */
export function nodeOpenInto(
  key: KeyObject | Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array | undefined,
  ciphertext: Uint8Array,
  out: Uint8Array,
  offset: number,
): boolean {
  if (ciphertext.length < MAC_SIZE) return false;
  const bodyLength = ciphertext.length - MAC_SIZE;
  const decipher = createDecipheriv(AEAD, key, nonce, AEAD_OPTIONS);
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
