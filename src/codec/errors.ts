/** Why a byte sequence could not be decoded (`Sv2DecodeError.reason`); stable strings a caller can switch on. */
import { Sv2Error } from './sv2-error.js';
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

/** The one error type that decoding untrusted Sv2 bytes raises; `reason` says what was wrong. */
export class Sv2DecodeError extends Sv2Error {
  constructor(
    readonly reason: DecodeErrorCode,
    message: string,
  ) {
    super('SV2_ERR_DECODE', `${reason}: ${message}`);
  }
}

/** A value that cannot be put on the wire (out of range, too long, wrong shape). */
export class Sv2EncodeError extends Sv2Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('SV2_ERR_ENCODE', `${field}: ${message}`);
  }
}
