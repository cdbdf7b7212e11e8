/** Randomness from the Web Crypto API, which Node, browsers, Deno and Bun all have. */

/** `length` cryptographically random bytes (at most 65 536, Web Crypto's limit per call). */
export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}
