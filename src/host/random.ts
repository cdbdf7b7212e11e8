/**
 * Randomness from the Web Crypto API, which Node, browsers, Deno and Bun all have. Small draws
 * (keys, nonces, ElligatorSwift's tries) come from a buffer refilled 8 KiB at a time: one
 * getRandomValues call costs about as much as filling a few hundred bytes, and a handshake makes
 * several small draws. Bytes handed out are wiped from the buffer, so none is given twice and none
 * lingers there once used.
 */

const POOL_SIZE = 8192;
/** Draws above this go straight to getRandomValues (at most 65 536 bytes per call). */
const POOLED_MAX = 1024;

const pool = new Uint8Array(POOL_SIZE);
let next = POOL_SIZE;

/** `length` cryptographically random bytes (at most 65 536, Web Crypto's limit per call). */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`cannot draw ${length} random bytes`);
  if (length > POOLED_MAX) return globalThis.crypto.getRandomValues(new Uint8Array(length));
  if (next + length > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool);
    next = 0;
  }
  const out = pool.slice(next, next + length);
  pool.fill(0, next, next + length);
  next += length;
  return out;
}
