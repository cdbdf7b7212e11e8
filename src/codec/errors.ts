/** Why a byte sequence could not be decoded; stable strings a caller can switch on. */
export type DecodeErrorCode =
  | 'short-buffer'
  | 'length-past-end'
  | 'length-over-max'
  | 'unknown-message'
  | 'channel-bit-mismatch'
  | 'trailing-bytes'
  | 'bad-option-count'
  | 'invalid-utf8'
  | 'frame-too-large'
  | 'bad-tlv';

/** The one error type that decoding untrusted Sv2 bytes raises. */
export class Sv2DecodeError extends Error {
  override readonly name = 'Sv2DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A value that cannot be put on the wire (out of range, too long, wrong shape). */
export class Sv2EncodeError extends Error {
  override readonly name = 'Sv2EncodeError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
