/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) for short messages on libsodium's WebAssembly build (the
 * `libsodium` package: its raw exports, no wrapper). Every frame the pool reads is two short AEAD
 * messages (the 6-byte header, then a payload of a few dozen bytes); libsodium opens a 6-byte one in
 * ~0.4 µs where the AssemblyScript module (small-aead.ts) takes ~0.8 µs.
 *
 * Emscripten instantiates the module with a promise, so it cannot serve the first call of a
 * process: the first call here starts the load (in a later event-loop turn) and returns false,
 * and small-aead.ts serves until the module is ready (~30 ms, once per process). Node only, loaded through Node's `require` on first use. The buffers
 * are allocated once in the module's heap; the calls are synchronous.
 */
import { node } from './node.js';

/** Messages and associated data up to these sizes fit the buffers allocated here. */
export const SODIUM_MAX_MESSAGE = 1024;
export const SODIUM_MAX_AD = 64;
const MAC_SIZE = 16;

/** libsodium's raw exports used here (pointers into HEAPU8; 64-bit lengths passed as two 32-bit halves). */
interface Module {
  ready: Promise<unknown>;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  // (c, clen_p, m, mlen_lo, mlen_hi, ad, adlen_lo, adlen_hi, nsec, npub, k) → 0
  _crypto_aead_chacha20poly1305_ietf_encrypt(...args: number[]): number;
  // (m, mlen_p, nsec, c, clen_lo, clen_hi, ad, adlen_lo, adlen_hi, npub, k) → 0, or -1 when the tag does not verify
  _crypto_aead_chacha20poly1305_ietf_decrypt(...args: number[]): number;
}

interface Instance {
  m: Module;
  key: number;
  nonce: number;
  ad: number;
  input: number;
  output: number;
}

let instance: Instance | undefined;
let loading: Promise<boolean> | undefined;

function allocate(m: Module): Instance {
  const at = m._malloc(32 + 16 + SODIUM_MAX_AD + 2 * (SODIUM_MAX_MESSAGE + MAC_SIZE) + 8);
  const key = at;
  const nonce = key + 32;
  const ad = nonce + 16;
  const input = ad + SODIUM_MAX_AD;
  const output = input + SODIUM_MAX_MESSAGE + MAC_SIZE;
  return { m, key, nonce, ad, input, output };
}

/** Starts loading the module (once); resolves true when it serves calls, false where it cannot load. */
export function loadSodium(): Promise<boolean> {
  loading ??= (async () => {
    if (node === undefined) return false;
    // Not in the caller's turn: parsing the package takes ~25 ms, which would otherwise land on
    // whatever first used the AEAD (a new process's first handshake).
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      const m = node.require('libsodium') as Module;
      await m.ready;
      instance = allocate(m);
      return true;
    } catch {
      return false;
    }
  })();
  return loading;
}

/** The key last copied into the module: a session's header and payload use the same key back to back. */
let loadedKey: Uint8Array | undefined;

/** The module's heap with key, nonce and associated data in place; undefined until the module is ready. */
function load(w: Instance, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined): Uint8Array {
  const heap = w.m.HEAPU8; // read per call: emscripten replaces the view if its memory grows
  // Keys come from AeadKey.raw, which never changes after construction: the same array is the same key.
  if (key !== loadedKey) {
    if (key.length !== 32) throw new RangeError('ChaCha20-Poly1305 needs a 32-byte key');
    heap.set(key, w.key);
    loadedKey = key;
  }
  if (nonce.length !== 12) throw new RangeError('ChaCha20-Poly1305 needs a 12-byte nonce');
  for (let i = 0; i < 12; i++) heap[w.nonce + i] = nonce[i]!;
  if (ad !== undefined && ad.length > 0) {
    if (ad.length > SODIUM_MAX_AD) throw new RangeError(`associated data of ${ad.length} bytes does not fit (at most ${SODIUM_MAX_AD})`);
    heap.set(ad, w.ad);
  }
  return heap;
}

/** Up to this many bytes a plain loop copies faster than `set` with the view it needs. */
const COPY_LOOP_MAX = 32;

/** True once the module serves calls; the first call starts loading it. */
export function sodiumReady(): boolean {
  if (instance !== undefined) return true;
  void loadSodium();
  return false;
}

/**
 * Encrypts `plaintext` into `out` at `offset` (ciphertext then tag); returns the bytes written.
 * Only once `sodiumReady()`; `key` must not be changed in place between calls.
 */
export function sodiumSealInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
  const w = instance!;
  const length = plaintext.length;
  if (length > SODIUM_MAX_MESSAGE) throw new RangeError(`message of ${length} bytes is too long for the small-message AEAD`);
  if (out.length < offset + length + MAC_SIZE) throw new RangeError('output buffer too short');
  const heap = load(w, key, nonce, ad);
  const adLength = ad === undefined ? 0 : ad.length;
  const input = w.input;
  if (length > COPY_LOOP_MAX) heap.set(plaintext, input);
  else for (let i = 0; i < length; i++) heap[input + i] = plaintext[i]!;
  w.m._crypto_aead_chacha20poly1305_ietf_encrypt(w.output, 0, input, length, 0, w.ad, adLength, 0, 0, w.nonce, w.key);
  const total = length + MAC_SIZE;
  const from = w.output;
  if (total > COPY_LOOP_MAX) out.set(heap.subarray(from, from + total), offset);
  else for (let i = 0; i < total; i++) out[offset + i] = heap[from + i]!;
  return total;
}

/**
 * Decrypts `ciphertext` (body ‖ tag) into `out` at `offset`; false when authentication fails, and
 * then nothing is written (libsodium checks the tag in constant time before it decrypts).
 */
export function sodiumOpenInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, ciphertext: Uint8Array, out: Uint8Array, offset: number): boolean {
  if (ciphertext.length < MAC_SIZE) return false;
  const w = instance!;
  const total = ciphertext.length;
  const length = total - MAC_SIZE;
  if (length > SODIUM_MAX_MESSAGE) throw new RangeError(`message of ${length} bytes is too long for the small-message AEAD`);
  if (out.length < offset + length) throw new RangeError('output buffer too short');
  const heap = load(w, key, nonce, ad);
  const adLength = ad === undefined ? 0 : ad.length;
  const input = w.input;
  if (total > COPY_LOOP_MAX) heap.set(ciphertext, input);
  else for (let i = 0; i < total; i++) heap[input + i] = ciphertext[i]!;
  if (w.m._crypto_aead_chacha20poly1305_ietf_decrypt(w.output, 0, 0, input, total, 0, w.ad, adLength, 0, w.nonce, w.key) !== 0) return false;
  const from = w.output;
  if (length > COPY_LOOP_MAX) out.set(heap.subarray(from, from + length), offset);
  else for (let i = 0; i < length; i++) out[offset + i] = heap[from + i]!;
  return true;
}
