/**
 * Whether a server opens a channel a peer asks for: one rule for every role that serves channels
 * (pool, proxy). Pure: the caller sends the Success or the Error.
 */
import { MiningErrorCode } from '../messages/mining.js';
import { ChannelError } from './errors.js';

/** Our OpenMiningChannel.Error code (the spec's are free-form) for a connection at its channel limit. */
export const MAX_CHANNELS_REACHED = 'max-channels-reached';

/**
 * Makes the channel unless the identity is empty, the connection is at `maxChannels`, or `make`
 * refuses it with a ChannelError; any other error is a bug and is thrown.
 */
export function admitChannel<C>(userIdentity: string, openChannels: number, maxChannels: number, make: () => C): { channel: C } | { errorCode: string } {
  if (userIdentity.length === 0) return { errorCode: MiningErrorCode.InvalidUserIdentity };
  if (openChannels >= maxChannels) return { errorCode: MAX_CHANNELS_REACHED };
  try {
    return { channel: make() };
  } catch (e) {
    if (!(e instanceof ChannelError)) throw e;
    return { errorCode: e.errorCode };
  }
}
