/**
 * ChaCha20-Poly1305 (RFC 8439) for short messages, on ChainSafe's WebAssembly build
 * (@chainsafe/as-chacha20poly1305, the one libp2p's Noise uses for the same reason). node:crypto
 * spends ~3 µs setting up each message whatever its size; this spends ~1.2 µs on a 6-byte frame
 * header and ~1.5 µs on 64 bytes, but is slower than node:crypto past a few hundred bytes, so
 * aead.ts only sends it short messages, and only on Node: it is loaded through Node's `require`
 * when first used, so importing the library costs nothing until then.
 *
 * Its tag check returns at the first differing byte. That cannot help an attacker here: a Noise
 * session dies at its first authentication failure, so no key and nonce are ever tried twice.
 */
import type * as AsChaCha20Poly1305 from '@chainsafe/as-chacha20poly1305';
import { node } from './node.js';

/** Associated data longer than this does not fit the WebAssembly module's buffer. */
export const SMALL_AEAD_MAX_AD = 32;

const MAC_SIZE = 16;
let instance: AsChaCha20Poly1305.ChaCha20Poly1305 | undefined;

/** One instance for the process, made on first use (under a millisecond); calls are synchronous. Node only. */
function aead(): AsChaCha20Poly1305.ChaCha20Poly1305 {
  if (instance === undefined) {
    if (node === undefined) throw new Error('the WebAssembly ChaCha20-Poly1305 is loaded through Node only');
    const lib = node.require('@chainsafe/as-chacha20poly1305') as typeof AsChaCha20Poly1305;
    instance = new lib.ChaCha20Poly1305(lib.newInstance());
  }
  return instance;
}

/** Encrypts `plaintext` into `out` at `offset` (ciphertext then tag); returns the bytes written. */
export function smallSealInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
  const length = plaintext.length + MAC_SIZE;
  aead().seal(key, nonce, plaintext, ad, out.subarray(offset, offset + length));
  return length;
}

/** Decrypts `ciphertext` (body ‖ tag) into `out` at `offset`; false when authentication fails. */
export function smallOpenInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, ciphertext: Uint8Array, out: Uint8Array, offset: number): boolean {
  if (ciphertext.length < MAC_SIZE) return false;
  const bodyLength = ciphertext.length - MAC_SIZE;
  return aead().open(key, nonce, ciphertext, ad, out.subarray(offset, offset + bodyLength)) !== null;
}
