/**
 * What a role does about a failure, decided where the failure is understood and carried with it
 * (as SRI's `{ kind, action }`): the code that catches only carries the action out, it never
 * guesses. `fallback` is for upstream links (try the next upstream); a downstream server treats it
 * as `disconnect`.
 */
import { Sv2Error } from '../../codec/sv2-error.js';

export type ErrorAction = 'log' | 'disconnect' | 'fallback' | 'shutdown';

export class RoleError extends Sv2Error {
  constructor(
    code: `SV2_ERR_${string}`,
    message: string,
    readonly action: ErrorAction,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The peer broke the protocol (or sent what this role does not serve): cut it off, carry on. */
export function peerFault(code: `SV2_ERR_${string}`, message: string): RoleError {
  return new RoleError(code, message, 'disconnect');
}
