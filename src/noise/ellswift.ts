/**
 * ElligatorSwift (BIP324) encoding of secp256k1 x coordinates, and BIP324's x-only ECDH hash.
 * Field math comes from @scure/btc-signer's p2p module (checked against BIP324's vectors in the tests).
 */
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { KeyFormatError } from './errors.js';
import { sha256 } from './primitives.js';

export const ELLSWIFT_SIZE = 64;

/** A random 64-byte encoding of the x coordinate `x32` (which must be on the curve). */
export function ellswiftEncode(x32: Uint8Array): Uint8Array {
  if (x32.length !== 32) throw new KeyFormatError(`x coordinate must be 32 bytes, got ${x32.length}`);
  return elligatorSwift.encode(BigInt('0x' + Buffer.from(x32).toString('hex')));
}

/** The x coordinate (32 bytes) an encoding stands for; every 64-byte string decodes to a valid one. */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  if (encoding.length !== ELLSWIFT_SIZE) {
    throw new KeyFormatError(`ElligatorSwift encoding must be ${ELLSWIFT_SIZE} bytes, got ${encoding.length}`);
  }
  return elligatorSwift.decode(encoding);
}

const ECDH_TAG = sha256(Buffer.from('bip324_ellswift_xonly_ecdh', 'ascii'));

/**
 * BIP324's shared secret from the x-only ECDH result. The initiator's encoding always comes first,
 * whichever side computes it; both encodings are the exact bytes sent on the wire.
 */
export function bip324SharedSecret(sharedX: Uint8Array, initiatorEncoding: Uint8Array, responderEncoding: Uint8Array): Uint8Array {
  return sha256(ECDH_TAG, ECDH_TAG, initiatorEncoding, responderEncoding, sharedX);
}
