/** JSON-RPC as bitcoind speaks it: error codes, Basic auth, the cookie file. */
import { Sv2Error } from '../../codec/sv2-error.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/** bitcoind's RPC error codes (src/rpc/protocol.h). */
export const RPC = {
  MISC_ERROR: -1,
  TYPE_ERROR: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  INVALID_PARAMETER: -8,
  DESERIALIZATION_ERROR: -22,
  VERIFY_ERROR: -25,
  VERIFY_REJECTED: -26,
  VERIFY_ALREADY_IN_CHAIN: -27,
  IN_WARMUP: -28,
  CLIENT_NOT_CONNECTED: -9,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  PARSE_ERROR: -32700,
} as const;

/** An error a method answers with (code and message go back to the caller). */
export class RpcMethodError extends Sv2Error {
  constructor(
    /** the JSON-RPC error code answered */
    readonly rpcCode: number,
    message: string,
  ) {
    super('SV2_ERR_RPC_METHOD', message);
  }
}

export type RpcCredentials = { user: string; password: string };

/** How to authenticate: fixed user/password, or bitcoind's cookie file. */
export type RpcAuth = RpcCredentials | { cookieFile: string };

export const COOKIE_USER = '__cookie__';

/** Reads `user:password` from a cookie file (bitcoind writes `__cookie__:<hex>` to <datadir>/.cookie). */
export function readCookie(file: string): RpcCredentials {
  const text = readFileSync(file, 'utf8').trim();
  const sep = text.indexOf(':');
  if (sep <= 0) throw new Error(`malformed RPC cookie file ${file}`);
  return { user: text.slice(0, sep), password: text.slice(sep + 1) };
}

/** Writes a fresh random cookie (mode 0600) and returns its credentials. */
export function writeCookie(dir: string): { file: string; credentials: RpcCredentials } {
  const credentials = { user: COOKIE_USER, password: randomBytes(32).toString('hex') };
  const file = path.join(dir, '.cookie');
  writeFileSync(file, `${credentials.user}:${credentials.password}`, { mode: 0o600 });
  return { file, credentials };
}

export function removeCookie(file: string): void {
  rmSync(file, { force: true });
}

export function basicAuthHeader(c: RpcCredentials): string {
  return 'Basic ' + Buffer.from(`${c.user}:${c.password}`).toString('base64');
}

/** Constant-time check of an Authorization header against the expected credentials. */
export function checkBasicAuth(header: string | undefined, expected: RpcCredentials): boolean {
  if (!header) return false;
  const want = Buffer.from(basicAuthHeader(expected));
  const got = Buffer.from(header.trim());
  return got.length === want.length && timingSafeEqual(got, want);
}
