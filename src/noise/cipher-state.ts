import { DecryptError, NoiseError } from './errors.js';
import { AeadKey, MAC_SIZE, aeadDecryptInto, aeadEncryptInto, noiseNonce } from './primitives.js';

/**
 * A Noise CipherState: a 32-byte key and a 64-bit nonce counter.
 * The counter is a JS number: 2^53 messages is far beyond any connection's life, and the session
 * refuses to go further rather than wrap (the spec defines no rekey).
 */
export class CipherState {
  private nonce = 0;
  private readonly key: AeadKey;
  private readonly nonceBytes = new Uint8Array(12);

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new NoiseError(`cipher key must be 32 bytes, got ${key.length}`);
    this.key = new AeadKey(key);
  }

  /** Messages sent or received so far with this key. */
  get counter(): number {
    return this.nonce;
  }

  /** The current nonce as AEAD bytes (in a buffer reused from message to message). */
  private nextNonce(): Uint8Array {
    if (this.nonce >= Number.MAX_SAFE_INTEGER) throw new NoiseError('nonce space exhausted; reconnect');
    return noiseNonce(this.nonce, this.nonceBytes);
  }

  /** Encrypts `plaintext` into `out` at `offset`; returns the ciphertext length (plaintext + 16). */
  encryptInto(ad: Uint8Array | undefined, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
    const written = aeadEncryptInto(this.key, this.nextNonce(), ad, plaintext, out, offset);
    this.nonce++;
    return written;
  }

  encrypt(ad: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + MAC_SIZE);
    this.encryptInto(ad, plaintext, out, 0);
    return out;
  }

  /** Decrypts into `out`; on an authentication failure throws DecryptError and leaves the nonce unchanged. */
  decryptInto(ad: Uint8Array | undefined, ciphertext: Uint8Array, out: Uint8Array, offset: number): number {
    if (!aeadDecryptInto(this.key, this.nextNonce(), ad, ciphertext, out, offset)) {
      throw new DecryptError(`message ${this.nonce} failed authentication`);
    }
    this.nonce++;
    return ciphertext.length - MAC_SIZE;
  }

  decrypt(ad: Uint8Array | undefined, ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length < MAC_SIZE) throw new DecryptError(`ciphertext of ${ciphertext.length} bytes is shorter than its tag`);
    const out = new Uint8Array(ciphertext.length - MAC_SIZE);
    this.decryptInto(ad, ciphertext, out, 0);
    return out;
  }
}
