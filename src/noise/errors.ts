import { Sv2Error } from '../codec/sv2-error.js';

type Code = `SV2_ERR_${string}`;

/** Base class of every error raised by the Noise layer; `code` is stable for programs, `message` is for people. */
export class NoiseError extends Sv2Error {
  constructor(message: string, options?: { cause?: unknown }, code: Code = 'SV2_ERR_NOISE') {
    super(code, message, options);
  }
}

/** The handshake failed: wrong act size, undecodable key, or an AEAD failure during the acts. */
export class HandshakeError extends NoiseError {
  constructor(message: string, options?: { cause?: unknown }, code: Code = 'SV2_ERR_HANDSHAKE') {
    super(message, options, code);
  }
}

/** The server's certificate is signed by another authority, badly formed, or outside its validity window. */
export class CertificateError extends HandshakeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'SV2_ERR_CERTIFICATE');
  }
}

/** An encrypted frame failed authentication; the session is over. */
export class DecryptError extends NoiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'SV2_ERR_DECRYPT');
  }
}

/** A frame announced a payload larger than the configured limit; refused before any allocation. */
export class FrameTooLargeError extends NoiseError {
  constructor(
    /** the announced payload length, when known */
    readonly length: number | undefined,
    readonly limit: number,
    message = `frame payload of ${length} bytes exceeds the limit of ${limit} bytes`,
  ) {
    super(message, undefined, 'SV2_ERR_FRAME_TOO_LARGE');
  }
}

/** A key string or key bytes are not in the expected format. */
export class KeyFormatError extends NoiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'SV2_ERR_KEY_FORMAT');
  }
}
