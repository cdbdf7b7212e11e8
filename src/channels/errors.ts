/**
 * A channel-layer failure with a machine-readable `code`. Where the code is one of the Mining
 * Protocol's error strings (e.g. `min-extranonce-size-too-large`, `invalid-nominal-hashrate`) the
 * role can put it straight into the matching *.Error message.
 */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
