import { CipherState } from './cipher-state.js';
import { hkdf2, sha256 } from './primitives.js';

export const PROTOCOL_NAME = 'Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256';
// The name is longer than 32 bytes, so Noise hashes it; h then absorbs the empty prologue.
const INITIAL_CK = sha256(new TextEncoder().encode(PROTOCOL_NAME));
const INITIAL_H = sha256(INITIAL_CK);

/** Noise SymmetricState: the chaining key, the handshake hash and the handshake cipher. */
export class SymmetricState {
  private ck: Uint8Array = INITIAL_CK;
  private h: Uint8Array = INITIAL_H;
  private cipher: CipherState | undefined;

  get handshakeHash(): Uint8Array {
    return this.h;
  }

  get chainingKey(): Uint8Array {
    return this.ck;
  }

  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, key] = hkdf2(this.ck, inputKeyMaterial);
    this.ck = ck;
    this.cipher = new CipherState(key);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher ? this.cipher.encrypt(this.h, plaintext) : plaintext;
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** Throws DecryptError when the ciphertext does not authenticate. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher ? this.cipher.decrypt(this.h, ciphertext) : ciphertext;
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** The two transport ciphers: initiator→responder first, responder→initiator second. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf2(this.ck, new Uint8Array(0));
    return [new CipherState(k1), new CipherState(k2)];
  }
}
