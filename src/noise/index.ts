// The Sv2 secure transport layer (Noise NX over secp256k1 + ElligatorSwift); pure: bytes in, bytes out.
export * from './errors.js';
export { AuthorityKeyPair, AuthorityPublicKey } from './authority-key.js';
export * from './certificate.js';
export { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder, type InitiatorOptions, type ResponderOptions } from './handshake.js';
export { EphemeralKeyPool, generateEncodedKey, type EncodedKey } from './ephemeral.js';
export { ServerIdentity, DEFAULT_CERTIFICATE_VALIDITY_SECONDS, type ServerIdentityOptions } from './server-identity.js';
export { SecretKey, PeerPoint, type SecretKeyOptions } from './secp256k1.js';
export * from './session.js';
export { PROTOCOL_NAME } from './symmetric-state.js';
export { ellswiftDecode, ellswiftEncode, bip324SharedSecret, ELLSWIFT_SIZE } from './ellswift.js';
