/**
 * Sv1 line parsers. Tolerant of what real firmware sends (string ids, numbers as strings, extra or
 * missing params, upper-case hex, CRLF, a `"jsonrpc"` member), strict where a wrong value would
 * corrupt work: lengths and digits of hashes, nonces, ntime, extranonce and version bits.
 * Anything refused throws a {@link Sv1ProtocolError}; nothing else escapes.
 */
import { Sv1ProtocolError, describeValue } from './errors.js';
import { hexToBytesOrNull, hexU32OrNull } from '../codec/hex.js';
import { swapWords32 } from './hex.js';
import type {
  Sv1ClientMessage,
  Sv1ConfigureRequest,
  Sv1Error,
  Sv1Id,
  Sv1Job,
  Sv1Response,
  Sv1ServerMessage,
  Sv1Share,
} from './types.js';

/** Sv1's de-facto "other/unknown" error code, used when a peer sent an error without one. */
const UNKNOWN_ERROR_CODE = 20;
/** Extranonce fields larger than this are not real firmware (cgminer ≤ 8, SRI ≤ 16). */
export const MAX_EXTRANONCE_BYTES = 32;
/** A merkle path of a real block has ≤ 15 levels; 32 covers 2^32 transactions. */
export const MAX_MERKLE_BRANCHES = 32;

export interface Sv1ParseOptions {
  /** when set, a submit's extranonce2 must have exactly this many bytes */
  extranonce2Size?: number;
}

interface Envelope {
  id: Sv1Id;
  method: string | null;
  params: unknown[];
  object: Record<string, unknown>;
}

function readEnvelope(line: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Sv1ProtocolError('invalid-json', `not JSON: ${describeValue(line)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Sv1ProtocolError('invalid-message', `not a JSON-RPC object: ${describeValue(value)}`);
  }
  const object = value as Record<string, unknown>;
  const rawId = object.id;
  let id: Sv1Id;
  if (rawId === undefined || rawId === null) id = null;
  else if ((typeof rawId === 'number' && Number.isFinite(rawId)) || typeof rawId === 'string') id = rawId;
  else throw new Sv1ProtocolError('invalid-message', `id must be a number, string or null, got ${describeValue(rawId)}`);

  const rawMethod = object.method;
  if (rawMethod === undefined || rawMethod === null) {
    if (!('result' in object) && !('error' in object)) {
      throw new Sv1ProtocolError('invalid-message', 'neither a request (method) nor a response (result/error)', { id });
    }
    return { id, method: null, params: [], object };
  }
  if (typeof rawMethod !== 'string' || rawMethod.length === 0) {
    throw new Sv1ProtocolError('invalid-message', `method must be a non-empty string, got ${describeValue(rawMethod)}`, { id });
  }
  const rawParams = object.params;
  let params: unknown[];
  if (rawParams === undefined || rawParams === null) params = [];
  else if (Array.isArray(rawParams)) params = rawParams;
  else throw new Sv1ProtocolError('invalid-params', `${rawMethod}: params must be an array, got ${describeValue(rawParams)}`, { id, method: rawMethod });
  return { id, method: rawMethod, params, object };
}

// ---------------------------------------------------------------------------------------------
// Field readers: each throws invalid-params naming the method and the field
// ---------------------------------------------------------------------------------------------

class Fields {
  constructor(
    readonly env: Envelope,
    readonly method: string,
  ) {}

  fail(message: string): never {
    throw new Sv1ProtocolError('invalid-params', `${this.method}: ${message}`, { id: this.env.id, method: this.method });
  }

  at(index: number): unknown {
    return this.env.params[index];
  }

  /** A string; numbers are accepted and printed (some firmware sends numeric job ids or names). */
  string(index: number, name: string): string {
    const v = this.at(index);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return this.fail(`${name} must be a string, got ${describeValue(v)}`);
  }

  optionalString(index: number, name: string): string | null {
    const v = this.at(index);
    if (v === undefined || v === null) return null;
    return this.string(index, name);
  }

  /** A finite number, or a string holding one (`"512"`). */
  number(value: unknown, name: string): number {
    const n = toNumber(value);
    if (n === null) return this.fail(`${name} must be a number, got ${describeValue(value)}`);
    return n;
  }

  positiveNumber(value: unknown, name: string): number {
    const n = this.number(value, name);
    if (!(n > 0)) return this.fail(`${name} must be positive, got ${describeValue(value)}`);
    return n;
  }

  integer(value: unknown, name: string, min: number, max: number): number {
    const n = this.number(value, name);
    if (!Number.isInteger(n) || n < min || n > max) return this.fail(`${name} must be an integer in ${min}..${max}, got ${describeValue(value)}`);
    return n;
  }

  /** Exactly 8 hex digits, as Sv1 writes u32 header fields. */
  u32(index: number, name: string): number {
    const v = this.at(index);
    const n = typeof v === 'string' ? hexU32OrNull(v) : null;
    if (n === null) return this.fail(`${name} must be 8 hex digits, got ${describeValue(v)}`);
    return n;
  }

  /** Hex of exactly `length` bytes, or of 0..maxLength bytes when `length` is null. */
  bytes(value: unknown, name: string, length: number | null, maxLength = Infinity): Uint8Array {
    const b = typeof value === 'string' ? hexToBytesOrNull(value) : null;
    if (b === null) return this.fail(`${name} must be hex of even length, got ${describeValue(value)}`);
    if (length !== null && b.length !== length) return this.fail(`${name} must be ${length} bytes, got ${b.length}`);
    if (b.length > maxLength) return this.fail(`${name} must be at most ${maxLength} bytes, got ${b.length}`);
    return b;
  }

  boolean(value: unknown, name: string, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 1 || value === 'true') return true;
    if (value === 0 || value === 'false') return false;
    return this.fail(`${name} must be a boolean, got ${describeValue(value)}`);
  }

  /** A BIP310 TMask: hex up to 8 digits (firmware pads inconsistently). */
  mask(value: unknown, name: string): number {
    const n = typeof value === 'string' ? parseMask(value) : null;
    if (n === null) return this.fail(`${name} must be a hex mask of up to 8 digits, got ${describeValue(value)}`);
    return n;
  }
}

const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function parseMask(value: string): number | null {
  const digits = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (digits.length === 0 || digits.length > 8) return null;
  return hexU32OrNull(digits.padStart(8, '0'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Requests a server receives
// ---------------------------------------------------------------------------------------------

function parseConfigure(f: Fields): Sv1ConfigureRequest {
  const rawExtensions = f.at(0) ?? [];
  if (!Array.isArray(rawExtensions)) return f.fail(`extensions must be an array, got ${describeValue(rawExtensions)}`);
  const extensions: string[] = [];
  for (const e of rawExtensions) {
    if (typeof e !== 'string') return f.fail(`extension codes must be strings, got ${describeValue(e)}`);
    extensions.push(e);
  }
  const rawParameters = f.at(1) ?? {};
  if (!isRecord(rawParameters)) return f.fail(`extension-parameters must be an object, got ${describeValue(rawParameters)}`);
  const parameters = rawParameters;

  let versionRolling: Sv1ConfigureRequest['versionRolling'] = null;
  if (extensions.includes('version-rolling')) {
    const rawMask = parameters['version-rolling.mask'];
    const rawMinBits = parameters['version-rolling.min-bit-count'];
    versionRolling = {
      mask: rawMask === undefined || rawMask === null ? 0xffffffff : f.mask(rawMask, 'version-rolling.mask'),
      minBitCount: rawMinBits === undefined || rawMinBits === null ? 0 : f.integer(rawMinBits, 'version-rolling.min-bit-count', 0, 32),
    };
  }
  let minimumDifficulty: number | null = null;
  if (extensions.includes('minimum-difficulty')) {
    const raw = parameters['minimum-difficulty.value'];
    if (raw !== undefined && raw !== null) {
      minimumDifficulty = f.number(raw, 'minimum-difficulty.value');
      if (minimumDifficulty < 0) return f.fail(`minimum-difficulty.value must be ≥ 0, got ${describeValue(raw)}`);
    }
  }
  const info: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key.startsWith('info.') && typeof value === 'string') info[key.slice(5)] = value;
  }
  return {
    type: 'configure',
    id: f.env.id,
    extensions,
    versionRolling,
    minimumDifficulty,
    subscribeExtranonce: extensions.includes('subscribe-extranonce'),
    info,
    parameters,
  };
}

function parseSubmit(f: Fields, options: Sv1ParseOptions): Sv1Share {
  if (f.env.params.length < 5) return f.fail(`needs 5 or 6 params (worker, job id, extranonce2, ntime, nonce[, version bits]), got ${f.env.params.length}`);
  const workerName = f.optionalString(0, 'worker name') ?? '';
  const jobId = f.string(1, 'job id');
  const extranonce2 = f.bytes(f.at(2), 'extranonce2', options.extranonce2Size ?? null, MAX_EXTRANONCE_BYTES);
  if (extranonce2.length === 0 && options.extranonce2Size === undefined) return f.fail('extranonce2 is empty');
  const ntime = f.u32(3, 'ntime');
  const nonce = f.u32(4, 'nonce');
  const rawBits = f.at(5);
  const versionBits = rawBits === undefined || rawBits === null ? null : f.u32(5, 'version bits');
  return { workerName, jobId, extranonce2, ntime, nonce, versionBits };
}

/**
 * Parses one line a miner sent (a server's view): requests, or a response to a server request
 * such as `client.get_version`. `line` may carry surrounding whitespace or a trailing CR.
 */
export function parseClientLine(line: string, options: Sv1ParseOptions = {}): Sv1ClientMessage {
  const env = readEnvelope(line);
  if (env.method === null) return parseResponse(env);
  const f = new Fields(env, env.method);
  const id = env.id;
  switch (env.method) {
    case 'mining.subscribe':
      return { type: 'subscribe', id, userAgent: f.optionalString(0, 'user agent'), sessionId: f.optionalString(1, 'session id') };
    case 'mining.authorize':
      return { type: 'authorize', id, username: f.string(0, 'username'), password: f.optionalString(1, 'password') };
    case 'mining.configure':
      return parseConfigure(f);
    case 'mining.extranonce.subscribe':
      return { type: 'extranonce-subscribe', id };
    case 'mining.suggest_difficulty':
      return { type: 'suggest-difficulty', id, difficulty: f.positiveNumber(f.at(0), 'difficulty') };
    case 'mining.suggest_target': {
      const be = f.bytes(f.at(0), 'target', 32);
      return { type: 'suggest-target', id, target: be.reverse() };
    }
    case 'mining.submit':
      return { type: 'submit', id, share: parseSubmit(f, options) };
    default:
      return { type: 'unknown-request', id, method: env.method, params: env.params };
  }
}

// ---------------------------------------------------------------------------------------------
// Messages a miner receives
// ---------------------------------------------------------------------------------------------

function parseNotify(f: Fields): Sv1Job {
  if (f.env.params.length < 8) return f.fail(`needs 9 params, got ${f.env.params.length}`);
  const jobId = f.string(0, 'job id');
  const prevHash = swapWords32(f.bytes(f.at(1), 'prevhash', 32));
  const coinb1 = f.bytes(f.at(2), 'coinb1', null);
  const coinb2 = f.bytes(f.at(3), 'coinb2', null);
  const rawBranches = f.at(4) ?? [];
  if (!Array.isArray(rawBranches)) return f.fail(`merkle branches must be an array, got ${describeValue(rawBranches)}`);
  if (rawBranches.length > MAX_MERKLE_BRANCHES) return f.fail(`at most ${MAX_MERKLE_BRANCHES} merkle branches, got ${rawBranches.length}`);
  const merkleBranches = rawBranches.map((b, i) => f.bytes(b, `merkle branch ${i}`, 32));
  return {
    jobId,
    prevHash,
    coinb1,
    coinb2,
    merkleBranches,
    version: f.u32(5, 'version'),
    nbits: f.u32(6, 'nbits'),
    ntime: f.u32(7, 'ntime'),
    cleanJobs: f.boolean(f.at(8), 'clean jobs', false),
  };
}

/** Parses one line a server sent (a miner's view): notifications, server requests, responses. */
export function parseServerLine(line: string): Sv1ServerMessage {
  const env = readEnvelope(line);
  if (env.method === null) return parseResponse(env);
  const f = new Fields(env, env.method);
  const id = env.id;
  switch (env.method) {
    case 'mining.notify':
      return { type: 'notify', id, job: parseNotify(f) };
    case 'mining.set_difficulty':
      return { type: 'set-difficulty', id, difficulty: f.positiveNumber(f.at(0), 'difficulty') };
    case 'mining.set_extranonce':
      return {
        type: 'set-extranonce',
        id,
        extranonce1: f.bytes(f.at(0), 'extranonce1', null, MAX_EXTRANONCE_BYTES),
        extranonce2Size: f.integer(f.at(1), 'extranonce2 size', 0, MAX_EXTRANONCE_BYTES),
      };
    case 'mining.set_version_mask':
      return { type: 'set-version-mask', id, mask: f.mask(f.at(0), 'mask') };
    case 'client.reconnect': {
      const rawPort = f.at(1);
      const rawWait = f.at(2);
      return {
        type: 'reconnect',
        id,
        host: f.optionalString(0, 'host') || null,
        port: rawPort === undefined || rawPort === null || rawPort === '' ? null : f.integer(rawPort, 'port', 1, 65535),
        waitSeconds: rawWait === undefined || rawWait === null || rawWait === '' ? null : f.integer(rawWait, 'wait', 0, 86_400),
      };
    }
    case 'client.show_message':
      return { type: 'show-message', id, message: f.optionalString(0, 'message') ?? '' };
    case 'client.get_version':
      return { type: 'get-version', id };
    case 'mining.ping':
      return { type: 'ping', id };
    default:
      return { type: 'unknown-request', id, method: env.method, params: env.params };
  }
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

function parseResponse(env: Envelope): Sv1Response {
  const result = env.object.result === undefined ? null : env.object.result;
  let error = normaliseError(env.object.error);
  const rejectReason = env.object['reject-reason'];
  if (error === null && result === false && typeof rejectReason === 'string') {
    // some pools put the reason beside a bare `false`
    error = { code: UNKNOWN_ERROR_CODE, message: rejectReason, data: null };
  }
  return { type: 'response', id: env.id, result, error };
}

/** Accepts `[code, "message", data]`, `{code, message}`, a bare string, or null. */
function normaliseError(raw: unknown): Sv1Error | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (Array.isArray(raw)) {
    const code = toNumber(raw[0]);
    return {
      code: code !== null && Number.isInteger(code) ? code : UNKNOWN_ERROR_CODE,
      message: typeof raw[1] === 'string' ? raw[1] : raw[1] === undefined ? '' : describeValue(raw[1]),
      data: raw[2] === undefined ? null : raw[2],
    };
  }
  if (isRecord(raw)) {
    const code = toNumber(raw.code);
    return {
      code: code !== null && Number.isInteger(code) ? code : UNKNOWN_ERROR_CODE,
      message: typeof raw.message === 'string' ? raw.message : '',
      data: raw.data === undefined ? null : raw.data,
    };
  }
  return { code: UNKNOWN_ERROR_CODE, message: typeof raw === 'string' ? raw : describeValue(raw), data: null };
}
