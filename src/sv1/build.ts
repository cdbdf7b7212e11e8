/**
 * Builders for every outgoing Sv1 message. Each returns one exact JSON line ending in `\n`:
 * requests `{"id":…,"method":…,"params":[…]}`, notifications with `"id":null`, responses
 * `{"id":…,"result":…,"error":…}` with errors in the de-facto `[code, "message", null]` form.
 * Hex is lower case; u32 header fields are 8 big-endian hex digits.
 */
import { Sv1ProtocolError } from './errors.js';
import { bytesToHex, u32ToHex } from '../codec/hex.js';
import { swapWords32 } from './hex.js';
import type { Sv1ConfigureGrant, Sv1Id, Sv1Job, Sv1Share } from './types.js';

/** De-facto Sv1 error codes (slush's original protocol description, used by cgminer and pools). */
export const SV1_ERROR = {
  OTHER: 20,
  JOB_NOT_FOUND: 21,
  DUPLICATE_SHARE: 22,
  LOW_DIFFICULTY: 23,
  UNAUTHORIZED: 24,
  NOT_SUBSCRIBED: 25,
  /** JSON-RPC's code, for a method the server does not know */
  METHOD_NOT_FOUND: -32601,
} as const;

function invalid(message: string): never {
  throw new Sv1ProtocolError('invalid-value', message);
}

function idJson(id: Sv1Id): string {
  if (typeof id === 'number' && !Number.isFinite(id)) invalid(`id must be finite, got ${id}`);
  return JSON.stringify(id);
}

function u32(value: number, name: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) invalid(`${name} must be a u32, got ${value}`);
  return `"${u32ToHex(value)}"`;
}

function hash32(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length !== 32) invalid(`${name} must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

function positive(value: number, name: string): string {
  if (!(value > 0) || !Number.isFinite(value)) invalid(`${name} must be a positive finite number, got ${value}`);
  return JSON.stringify(value);
}

function request(id: Sv1Id, method: string, params: string): string {
  return `{"id":${idJson(id)},"method":"${method}","params":[${params}]}\n`;
}

// ---------------------------------------------------------------------------------------------
// Miner → server
// ---------------------------------------------------------------------------------------------

export function buildSubscribe(id: Sv1Id, userAgent?: string | null, sessionId?: string | null): string {
  const params: string[] = [];
  if (userAgent != null || sessionId != null) params.push(JSON.stringify(userAgent ?? null));
  if (sessionId != null) params.push(JSON.stringify(sessionId));
  return request(id, 'mining.subscribe', params.join(','));
}

export function buildAuthorize(id: Sv1Id, username: string, password = 'x'): string {
  return request(id, 'mining.authorize', `${JSON.stringify(username)},${JSON.stringify(password)}`);
}

export interface Sv1ConfigureOptions {
  versionRolling?: { mask: number; minBitCount?: number };
  minimumDifficulty?: number;
  subscribeExtranonce?: boolean;
  /** BIP310 "info" strings, keys without the `info.` prefix (e.g. `hw-version`) */
  info?: Record<string, string>;
}

export function buildConfigure(id: Sv1Id, options: Sv1ConfigureOptions): string {
  const extensions: string[] = [];
  const parameters: string[] = [];
  if (options.versionRolling) {
    extensions.push('"version-rolling"');
    parameters.push(`"version-rolling.mask":${u32(options.versionRolling.mask, 'version-rolling.mask')}`);
    const bits = options.versionRolling.minBitCount ?? 0;
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) invalid(`version-rolling.min-bit-count must be 0..32, got ${bits}`);
    parameters.push(`"version-rolling.min-bit-count":${bits}`);
  }
  if (options.minimumDifficulty !== undefined) {
    if (!(options.minimumDifficulty >= 0) || !Number.isFinite(options.minimumDifficulty)) invalid(`minimum difficulty must be ≥ 0, got ${options.minimumDifficulty}`);
    extensions.push('"minimum-difficulty"');
    parameters.push(`"minimum-difficulty.value":${JSON.stringify(options.minimumDifficulty)}`);
  }
  if (options.subscribeExtranonce) extensions.push('"subscribe-extranonce"');
  if (options.info && Object.keys(options.info).length > 0) {
    extensions.push('"info"');
    for (const [key, value] of Object.entries(options.info)) parameters.push(`${JSON.stringify(`info.${key}`)}:${JSON.stringify(value)}`);
  }
  return request(id, 'mining.configure', `[${extensions.join(',')}],{${parameters.join(',')}}`);
}

export function buildExtranonceSubscribe(id: Sv1Id): string {
  return request(id, 'mining.extranonce.subscribe', '');
}

export function buildSuggestDifficulty(id: Sv1Id, difficulty: number): string {
  return request(id, 'mining.suggest_difficulty', positive(difficulty, 'difficulty'));
}

/** `target` is 32 bytes little-endian (Sv2 form); the wire carries it as big-endian hex. */
export function buildSuggestTarget(id: Sv1Id, target: Uint8Array): string {
  return request(id, 'mining.suggest_target', `"${bytesToHex(hash32(target, 'target').slice().reverse())}"`);
}

export function buildSubmit(id: Sv1Id, share: Sv1Share): string {
  let params = `${JSON.stringify(share.workerName)},${JSON.stringify(share.jobId)},"${bytesToHex(share.extranonce2)}",${u32(share.ntime, 'ntime')},${u32(share.nonce, 'nonce')}`;
  if (share.versionBits !== null) params += `,${u32(share.versionBits, 'version bits')}`;
  return request(id, 'mining.submit', params);
}

// ---------------------------------------------------------------------------------------------
// Server → miner
// ---------------------------------------------------------------------------------------------

export function buildNotify(job: Sv1Job): string {
  let branches = '';
  for (let i = 0; i < job.merkleBranches.length; i++) {
    branches += `${i === 0 ? '' : ','}"${bytesToHex(hash32(job.merkleBranches[i]!, `merkle branch ${i}`))}"`;
  }
  const prevHash = bytesToHex(swapWords32(hash32(job.prevHash, 'prevhash')));
  return request(
    null,
    'mining.notify',
    `${JSON.stringify(job.jobId)},"${prevHash}","${bytesToHex(job.coinb1)}","${bytesToHex(job.coinb2)}",[${branches}],${u32(job.version, 'version')},${u32(job.nbits, 'nbits')},${u32(job.ntime, 'ntime')},${job.cleanJobs}`,
  );
}

export function buildSetDifficulty(difficulty: number): string {
  return request(null, 'mining.set_difficulty', positive(difficulty, 'difficulty'));
}

export function buildSetExtranonce(extranonce1: Uint8Array, extranonce2Size: number): string {
  if (!Number.isInteger(extranonce2Size) || extranonce2Size < 0 || extranonce2Size > 32) invalid(`extranonce2 size must be 0..32, got ${extranonce2Size}`);
  return request(null, 'mining.set_extranonce', `"${bytesToHex(extranonce1)}",${extranonce2Size}`);
}

export function buildSetVersionMask(mask: number): string {
  return request(null, 'mining.set_version_mask', u32(mask, 'mask'));
}

export function buildReconnect(host?: string, port?: number, waitSeconds?: number): string {
  const params: string[] = [];
  if (host !== undefined || port !== undefined || waitSeconds !== undefined) params.push(JSON.stringify(host ?? ''));
  if (port !== undefined || waitSeconds !== undefined) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) invalid(`port must be 1..65535, got ${port}`);
    params.push(port === undefined ? 'null' : String(port));
  }
  if (waitSeconds !== undefined) {
    if (!Number.isInteger(waitSeconds) || waitSeconds < 0) invalid(`wait must be a non-negative integer, got ${waitSeconds}`);
    params.push(String(waitSeconds));
  }
  return request(null, 'client.reconnect', params.join(','));
}

export function buildShowMessage(message: string): string {
  return request(null, 'client.show_message', JSON.stringify(message));
}

/** A server request the miner answers with its version string. */
export function buildGetVersion(id: Sv1Id): string {
  return request(id, 'client.get_version', '');
}

export function buildPing(id: Sv1Id): string {
  return request(id, 'mining.ping', '');
}

// ---------------------------------------------------------------------------------------------
// Responses (either direction)
// ---------------------------------------------------------------------------------------------

/** A success response; `result` must be JSON-serialisable. */
export function buildResult(id: Sv1Id, result: unknown): string {
  const json = JSON.stringify(result);
  return `{"id":${idJson(id)},"result":${json === undefined ? 'null' : json},"error":null}\n`;
}

export function buildError(id: Sv1Id, code: number, message: string): string {
  if (!Number.isInteger(code)) invalid(`error code must be an integer, got ${code}`);
  return `{"id":${idJson(id)},"result":null,"error":[${code},${JSON.stringify(message)},null]}\n`;
}

export interface Sv1SubscribeAnswer {
  /** the session id miners may offer back on reconnect */
  subscriptionId: string;
  extranonce1: Uint8Array;
  extranonce2Size: number;
}

export function buildSubscribeResult(id: Sv1Id, answer: Sv1SubscribeAnswer): string {
  if (!Number.isInteger(answer.extranonce2Size) || answer.extranonce2Size < 0 || answer.extranonce2Size > 32) {
    invalid(`extranonce2 size must be 0..32, got ${answer.extranonce2Size}`);
  }
  const sid = JSON.stringify(answer.subscriptionId);
  return `{"id":${idJson(id)},"result":[[["mining.set_difficulty",${sid}],["mining.notify",${sid}]],"${bytesToHex(answer.extranonce1)}",${answer.extranonce2Size}],"error":null}\n`;
}

export function buildConfigureResult(id: Sv1Id, grant: Sv1ConfigureGrant): string {
  const fields: string[] = [];
  if (grant.versionRolling !== undefined) {
    if (grant.versionRolling === false) fields.push('"version-rolling":false');
    else fields.push(`"version-rolling":true`, `"version-rolling.mask":${u32(grant.versionRolling.mask, 'version-rolling.mask')}`);
  }
  if (grant.minimumDifficulty !== undefined) fields.push(`"minimum-difficulty":${grant.minimumDifficulty}`);
  if (grant.subscribeExtranonce !== undefined) fields.push(`"subscribe-extranonce":${grant.subscribeExtranonce}`);
  for (const [code, answer] of Object.entries(grant.other ?? {})) fields.push(`${JSON.stringify(code)}:${JSON.stringify(answer)}`);
  return `{"id":${idJson(id)},"result":{${fields.join(',')}},"error":null}\n`;
}
