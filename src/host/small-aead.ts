/**
 * ChaCha20-Poly1305 (RFC 8439) for short messages, on ChainSafe's WebAssembly build
 * (@chainsafe/as-chacha20poly1305, the one libp2p's Noise uses for the same reason). node:crypto
 * spends ~3 µs setting up each message whatever its size; this spends under a microsecond on a
 * 6-byte frame header, but is slower than node:crypto past a few hundred bytes, so aead.ts only
 * sends it short messages, and only on Node: it is loaded through Node's `require` when first used,
 * so importing the library costs nothing until then.
 *
 * The module is driven directly (its exported buffers and update calls), not through the package's
 * class: for a message this short, the class's subarray views and copies cost as much as the
 * cipher itself (profiled: ~0.4 µs of every ~1 µs call).
 */
import type * as AsChaCha20Poly1305 from '@chainsafe/as-chacha20poly1305';
import { node } from './node.js';

/** Associated data longer than this does not fit the WebAssembly module's buffer. */
export const SMALL_AEAD_MAX_AD = 32;
/** Messages up to this many bytes fit the module's buffer in one update. */
const MAX_SMALL = 65_536;
const MAC_SIZE = 16;

/** The module's exports used here: its fixed buffers (addresses in its memory) and the one-chunk update calls. */
/** A WebAssembly global holding an address (the project's lib settings carry no WebAssembly types). */
interface Address {
  readonly value: unknown;
}

interface Module {
  memory: { readonly buffer: ArrayBuffer };
  cpKey: Address;
  cpNonce: Address;
  cpAssociatedData: Address;
  cpInput: Address;
  chacha20Output: Address;
  poly1305Output: Address;
  sealUpdate(isFirst: boolean, isLast: boolean, length: number, total: number, adLength: number): void;
  openUpdate(isFirst: boolean, isLast: boolean, length: number, total: number, adLength: number): void;
}

interface Instance {
  seal: Module['sealUpdate'];
  open: Module['openUpdate'];
  key: Uint8Array;
  nonce: Uint8Array;
  ad: Uint8Array;
  input: Uint8Array;
  output: Uint8Array;
  tag: Uint8Array;
}

let instance: Instance | undefined;

/** One instance for the process, made on first use (under a millisecond); calls are synchronous. Node only. */
function wasm(): Instance {
  if (instance === undefined) {
    if (node === undefined) throw new Error('the WebAssembly ChaCha20-Poly1305 is loaded through Node only');
    const lib = node.require('@chainsafe/as-chacha20poly1305') as typeof AsChaCha20Poly1305;
    const m = lib.newInstance() as unknown as Module;
    // The module never grows its memory, so views made once stay valid (the package's class relies on it too).
    const view = (at: Address, length: number) => new Uint8Array(m.memory.buffer, at.value as number, length);
    instance = {
      seal: m.sealUpdate,
      open: m.openUpdate,
      key: view(m.cpKey, 32),
      nonce: view(m.cpNonce, 12),
      ad: view(m.cpAssociatedData, SMALL_AEAD_MAX_AD),
      input: view(m.cpInput, MAX_SMALL),
      output: view(m.chacha20Output, MAX_SMALL),
      tag: view(m.poly1305Output, MAC_SIZE),
    };
  }
  return instance;
}

/** Up to this many bytes a plain loop copies faster than `set` with the view it needs. */
const COPY_LOOP_MAX = 32;

function copyOut(from: Uint8Array, length: number, out: Uint8Array, offset: number): void {
  if (length > COPY_LOOP_MAX) out.set(from.subarray(0, length), offset);
  else for (let i = 0; i < length; i++) out[offset + i] = from[i]!;
}

function load(w: Instance, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined): number {
  if (key.length !== 32 || nonce.length !== 12) throw new RangeError('ChaCha20-Poly1305 needs a 32-byte key and a 12-byte nonce');
  w.key.set(key);
  w.nonce.set(nonce);
  if (ad === undefined || ad.length === 0) return 0;
  if (ad.length > SMALL_AEAD_MAX_AD) throw new RangeError(`associated data of ${ad.length} bytes does not fit (at most ${SMALL_AEAD_MAX_AD})`);
  w.ad.set(ad);
  return ad.length;
}

/** Encrypts `plaintext` into `out` at `offset` (ciphertext then tag); returns the bytes written. */
export function smallSealInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
  const w = wasm();
  const length = plaintext.length;
  if (length > MAX_SMALL) throw new RangeError(`message of ${length} bytes is too long for the small-message AEAD`);
  if (out.length < offset + length + MAC_SIZE) throw new RangeError('output buffer too short');
  const adLength = load(w, key, nonce, ad);
  if (length > COPY_LOOP_MAX) w.input.set(plaintext);
  else for (let i = 0; i < length; i++) w.input[i] = plaintext[i]!;
  w.seal(true, true, length, length, adLength);
  copyOut(w.output, length, out, offset);
  const tag = w.tag;
  for (let i = 0; i < MAC_SIZE; i++) out[offset + length + i] = tag[i]!;
  return length + MAC_SIZE;
}

/**
 * Decrypts `ciphertext` (body ‖ tag) into `out` at `offset`; false when authentication fails, and
 * then nothing is written. The tag is compared in full, without an early exit.
 */
export function smallOpenInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array | undefined, ciphertext: Uint8Array, out: Uint8Array, offset: number): boolean {
  if (ciphertext.length < MAC_SIZE) return false;
  const w = wasm();
  const length = ciphertext.length - MAC_SIZE;
  if (length > MAX_SMALL) throw new RangeError(`message of ${length} bytes is too long for the small-message AEAD`);
  if (out.length < offset + length) throw new RangeError('output buffer too short');
  const adLength = load(w, key, nonce, ad);
  if (length > COPY_LOOP_MAX) w.input.set(ciphertext.subarray(0, length));
  else for (let i = 0; i < length; i++) w.input[i] = ciphertext[i]!;
  w.open(true, true, length, length, adLength);
  const tag = w.tag;
  let difference = 0;
  for (let i = 0; i < MAC_SIZE; i++) difference |= tag[i]! ^ ciphertext[length + i]!;
  if (difference !== 0) return false;
  copyOut(w.output, length, out, offset);
  return true;
}
