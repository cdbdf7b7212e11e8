import { Sv2Error } from '../codec/sv2-error.js';
import type { Sv1Id } from './types.js';

/** Why a line or value was refused (`Sv1ProtocolError.reason`); stable strings a caller can count or log. */
export type Sv1ErrorCode =
  | 'line-too-long'
  | 'invalid-json'
  | 'invalid-message'
  | 'invalid-params'
  | 'invalid-result'
  | 'extranonce-mismatch'
  | 'invalid-value';

/**
 * The only error the Sv1 library throws for bad input. The message is one line; `id` and `method`
 * are set when the line got far enough to reveal them, so a server can still answer the request.
 */
export class Sv1ProtocolError extends Sv2Error {
  readonly reason: Sv1ErrorCode;
  readonly id: Sv1Id | undefined;
  readonly method: string | undefined;

  constructor(reason: Sv1ErrorCode, message: string, context: { id?: Sv1Id; method?: string } = {}) {
    super('SV2_ERR_SV1', message);
    this.reason = reason;
    this.id = context.id;
    this.method = context.method;
  }
}

/** Short, single-line rendering of an offending value for error messages. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
