import { ellswiftEncodeKey } from './ellswift.js';
import { SecretKey } from './secp256k1.js';

/** A handshake key pair with its ElligatorSwift encoding (the exact bytes sent on the wire). */
export interface EncodedKey {
  key: SecretKey;
  encoding: Uint8Array;
}

/** A fresh ephemeral key (for one handshake) with a random encoding. */
export function generateEncodedKey(): EncodedKey {
  const key = SecretKey.generate({ ephemeral: true });
  return { key, encoding: ellswiftEncodeKey(key) };
}

export function encodeKey(key: SecretKey): EncodedKey {
  return { key, encoding: ellswiftEncodeKey(key) };
}

/**
 * Ephemeral keys made ahead of time. Making one (a point multiplication plus a randomized
 * ElligatorSwift encoding) is the costliest step of a handshake after ECDH, so a server refills
 * the pool while idle and takes a ready key when a peer arrives. Each key is handed out once.
 */
export class EphemeralKeyPool {
  private readonly ready: EncodedKey[] = [];

  constructor(readonly capacity = 16) {}

  get size(): number {
    return this.ready.length;
  }

  /** A never-used key: a pooled one if any, otherwise made now. */
  take(): EncodedKey {
    return this.ready.pop() ?? generateEncodedKey();
  }

  /** Makes up to `max` keys (default: until full); returns how many were made. */
  refill(max = this.capacity): number {
    let made = 0;
    while (this.ready.length < this.capacity && made < max) {
      this.ready.push(generateEncodedKey());
      made++;
    }
    return made;
  }
}
