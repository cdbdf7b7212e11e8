/** What the wire and logic layers take from their host: see node.ts for how it is found. */
export { aeadOpenInto, aeadSealInto, AeadKey, MAC_SIZE } from './aead.js';
export { hmacSha256, sha256 } from './hash.js';
export { nativeHex } from './hex.js';
export { randomBytes } from './random.js';
export { secp256k1, type Secp256k1 } from './secp256k1.js';
