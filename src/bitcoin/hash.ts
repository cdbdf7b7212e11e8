/** Bitcoin's hash functions. SHA-256 comes from src/host (node:crypto on Node, the fastest one-shot there). */
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 as hostSha256 } from '../host/hash.js';

/** The digest as a plain Uint8Array: on Node, copying its 32 bytes measures a few % faster than a view over the Buffer's memory. */
function asBytes(digest: Uint8Array): Uint8Array {
  return new Uint8Array(digest);
}

export function sha256(data: Uint8Array): Uint8Array {
  return asBytes(hostSha256(data));
}

/** SHA256(SHA256(data)): txids, block hashes, merkle nodes. Raw bytes in internal order. */
export function sha256d(data: Uint8Array): Uint8Array {
  return asBytes(hostSha256(hostSha256(data)));
}

/** RIPEMD160(SHA256(data)): the key hash of P2PKH and P2WPKH. */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

/** SHA256d of two 32-byte nodes side by side (one merkle step), without a concat allocation by the caller. */
export function sha256dPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(left, 0);
  buf.set(right, 32);
  return sha256d(buf);
}
