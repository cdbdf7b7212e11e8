/**
 * ChaCha20-Poly1305 (RFC 8439). On Node: messages up to 1 KiB on libsodium's WebAssembly build
 * (sodium-aead.ts); until it has loaded, those under 256 bytes on the AssemblyScript one
 * (small-aead.ts); the rest on node:crypto. Elsewhere: @noble/ciphers.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { node } from './node.js';
import { SMALL_AEAD_MAX_AD, smallOpenInto, smallSealInto } from './small-aead.js';
import { SODIUM_MAX_AD, SODIUM_MAX_MESSAGE, sodiumOpenInto, sodiumReady, sodiumSealInto } from './sodium-aead.js';

export const MAC_SIZE = 16;

type KeyObject = ReturnType<NonNullable<typeof node>['crypto']['createSecretKey']>;

/**
 * A ChaCha20-Poly1305 key in the forms its implementations take: raw bytes and, made on first
 * need, a node:crypto KeyObject (cheaper per cipher than raw bytes).
 */
export class AeadKey {
  private object: KeyObject | undefined;
  readonly raw: Uint8Array;

  constructor(raw: Uint8Array) {
    if (raw.length !== 32) throw new RangeError(`ChaCha20-Poly1305 keys are 32 bytes, got ${raw.length}`);
    this.raw = Uint8Array.from(raw);
  }

  /** Node only. */
  get keyObject(): KeyObject {
    this.object ??= node!.crypto.createSecretKey(this.raw);
    return this.object;
  }
}

export interface Aead {
  /** Encrypts `plaintext` into `out` at `offset` (ciphertext then 16-byte tag); returns the bytes written. */
  sealInto(key: AeadKey, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array, out: Uint8Array, offset: number): number;
  /**
   * Decrypts `ciphertext` (body ‖ tag) and writes the plaintext to `out` at `offset`.
   * Returns false when authentication fails; nothing trustworthy is left in `out` then.
   */
  openInto(key: AeadKey, nonce: Uint8Array, ad: Uint8Array | undefined, ciphertext: Uint8Array, out: Uint8Array, offset: number): boolean;
}

export const portableAead: Aead = {
  sealInto(key, nonce, ad, plaintext, out, offset) {
    const length = plaintext.length + MAC_SIZE;
    chacha20poly1305(key.raw, nonce, ad).encrypt(plaintext, out.subarray(offset, offset + length));
    return length;
  },
  openInto(key, nonce, ad, ciphertext, out, offset) {
    if (ciphertext.length < MAC_SIZE) return false;
    try {
      chacha20poly1305(key.raw, nonce, ad).decrypt(ciphertext, out.subarray(offset, offset + ciphertext.length - MAC_SIZE));
      return true;
    } catch {
      return false;
    }
  },
};

/**
 * Messages shorter than this go to the WebAssembly AEAD, longer ones to node:crypto: node:crypto
 * costs ~3 µs per message whatever its size, the WebAssembly one ~1.2 µs plus ~7.5 ns per byte,
 * and they cross between 256 and 384 bytes.
 */
export const SMALL_MESSAGE_LIMIT = 256;

function isSmall(plaintextLength: number, ad: Uint8Array | undefined): boolean {
  return plaintextLength < SMALL_MESSAGE_LIMIT && (ad === undefined || ad.length <= SMALL_AEAD_MAX_AD);
}

/** libsodium's build (once loaded) beats node:crypto up to its buffers' 1 024 bytes (seal + open of 1 024 bytes: ~4.9 µs against ~11 µs). */
function fitsSodium(plaintextLength: number, ad: Uint8Array | undefined): boolean {
  return plaintextLength <= SODIUM_MAX_MESSAGE && (ad === undefined || ad.length <= SODIUM_MAX_AD);
}

const AEAD = 'chacha20-poly1305';
const AEAD_OPTIONS = { authTagLength: MAC_SIZE } as const;

/** `sealInto` on node:crypto alone, whatever the size. */
export function nodeSealInto(
  key: KeyObject | Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array | undefined,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  const cipher = node!.crypto.createCipheriv(AEAD, key, nonce, AEAD_OPTIONS);
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

/** `openInto` on node:crypto alone, whatever the size. */
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
  const decipher = node!.crypto.createDecipheriv(AEAD, key, nonce, AEAD_OPTIONS);
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

/** Node's pair, picked by size; undefined off Node. */
export const nodeAead: Aead | undefined = node && {
  sealInto(key, nonce, ad, plaintext, out, offset) {
    if (fitsSodium(plaintext.length, ad) && sodiumReady()) return sodiumSealInto(key.raw, nonce, ad, plaintext, out, offset);
    if (isSmall(plaintext.length, ad)) return smallSealInto(key.raw, nonce, ad, plaintext, out, offset);
    return nodeSealInto(key.keyObject, nonce, ad, plaintext, out, offset);
  },
  openInto(key, nonce, ad, ciphertext, out, offset) {
    if (ciphertext.length < MAC_SIZE) return false;
    if (fitsSodium(ciphertext.length - MAC_SIZE, ad) && sodiumReady()) return sodiumOpenInto(key.raw, nonce, ad, ciphertext, out, offset);
    if (isSmall(ciphertext.length - MAC_SIZE, ad)) return smallOpenInto(key.raw, nonce, ad, ciphertext, out, offset);
    return nodeOpenInto(key.keyObject, nonce, ad, ciphertext, out, offset);
  },
};

const aead = nodeAead ?? portableAead;
export const aeadSealInto = aead.sealInto;
export const aeadOpenInto = aead.openInto;
