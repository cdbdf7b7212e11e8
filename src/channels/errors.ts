/**
 * A channel-layer failure with a machine-readable `errorCode`. Where it is one of the Mining
 * Protocol's error strings (e.g. `min-extranonce-size-too-large`, `invalid-nominal-hashrate`) the
 * role can put it straight into the matching *.Error message.
 */
import { Sv2Error } from '../codec/sv2-error.js';
export class ChannelError extends Sv2Error {
  constructor(
    /** the Mining Protocol error string, e.g. `invalid-nominal-hashrate` */
    readonly errorCode: string,
    message: string,
  ) {
    super('SV2_ERR_CHANNEL', message);
  }
}
