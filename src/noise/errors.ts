/** Base class of every error raised by the Noise layer; `code` is stable for programs, `message` is for people. */
export class NoiseError extends Error {
  readonly code: string = 'NOISE_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The handshake failed: wrong act size, undecodable key, or an AEAD failure during the acts. */
export class HandshakeError extends NoiseError {
  override readonly code: string = 'HANDSHAKE_FAILED';
}

/** The server's certificate is signed by another authority, badly formed, or outside its validity window. */
export class CertificateError extends HandshakeError {
  override readonly code: string = 'CERTIFICATE_INVALID';
}

/** An encrypted frame failed authentication; the session is over. */
export class DecryptError extends NoiseError {
  override readonly code: string = 'DECRYPT_FAILED';
}

/** A frame announced a payload larger than the configured limit; refused before any allocation. */
export class FrameTooLargeError extends NoiseError {
  override readonly code: string = 'FRAME_TOO_LARGE';
  constructor(
    /** the announced payload length, when known */
    readonly length: number | undefined,
    readonly limit: number,
    message = `frame payload of ${length} bytes exceeds the limit of ${limit} bytes`,
  ) {
    super(message);
  }
}

/** A key string or key bytes are not in the expected format. */
export class KeyFormatError extends NoiseError {
  override readonly code: string = 'KEY_FORMAT';
}
