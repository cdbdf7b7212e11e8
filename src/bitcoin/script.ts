/** Script helpers: pushes, script numbers (BIP34 height), legacy sigop counting, output classification. */
import { BitcoinDecodeError, concatBytes } from './bytes.js';

export const OP_0 = 0x00;
export const OP_PUSHDATA1 = 0x4c;
export const OP_PUSHDATA2 = 0x4d;
export const OP_PUSHDATA4 = 0x4e;
export const OP_1 = 0x51;
export const OP_RETURN = 0x6a;
export const OP_DUP = 0x76;
export const OP_EQUAL = 0x87;
export const OP_EQUALVERIFY = 0x88;
export const OP_HASH160 = 0xa9;
export const OP_CHECKSIG = 0xac;
export const OP_CHECKSIGVERIFY = 0xad;
export const OP_CHECKMULTISIG = 0xae;
export const OP_CHECKMULTISIGVERIFY = 0xaf;

/** The minimal push of `data` (direct push, PUSHDATA1/2/4). */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  let head: Uint8Array;
  if (n < OP_PUSHDATA1) head = Uint8Array.of(n);
  else if (n <= 0xff) head = Uint8Array.of(OP_PUSHDATA1, n);
  else if (n <= 0xffff) head = Uint8Array.of(OP_PUSHDATA2, n & 0xff, n >> 8);
  else head = Uint8Array.of(OP_PUSHDATA4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
  return concatBytes(head, data);
}

/** CScriptNum serialization: little-endian magnitude, sign in the top bit, minimal length. */
export function scriptNumEncode(value: number | bigint): Uint8Array {
  let n = BigInt(value);
  if (n === 0n) return new Uint8Array(0);
  const neg = n < 0n;
  if (neg) n = -n;
  const out: number[] = [];
  while (n > 0n) {
    out.push(Number(n & 0xffn));
    n >>= 8n;
  }
  if (out[out.length - 1]! & 0x80) out.push(neg ? 0x80 : 0);
  else if (neg) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** Decodes a CScriptNum (no minimality check), up to `maxLen` bytes. */
export function scriptNumDecode(bytes: Uint8Array, maxLen = 8): bigint {
  if (bytes.length > maxLen) throw new BitcoinDecodeError(`script number longer than ${maxLen} bytes`);
  if (bytes.length === 0) return 0n;
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  const last = bytes[bytes.length - 1]!;
  if (last & 0x80) {
    n &= ~(0x80n << BigInt(8 * (bytes.length - 1)));
    return -n;
  }
  return n;
}

/** `CScript() << n`: OP_0, OP_1..OP_16, or a push of the script number. */
export function pushInt(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(OP_0);
  if (n === -1 || (n >= 1 && n <= 16)) return Uint8Array.of(n === -1 ? 0x4f : OP_1 + n - 1);
  return pushData(scriptNumEncode(n));
}

/**
 * The BIP34 height prefix a coinbase scriptSig must start with (Bitcoin Core's `CScript() << height`).
 * At most 5 bytes for any 32-bit height, within NewTemplate.coinbase_prefix's 8.
 */
export function bip34HeightPrefix(height: number): Uint8Array {
  if (!Number.isInteger(height) || height < 0 || height > 0x7fffffff) throw new RangeError(`bad block height ${height}`);
  return pushInt(height);
}

export interface ScriptOp {
  opcode: number;
  /** The pushed bytes for push opcodes, else undefined. */
  data?: Uint8Array;
}

/** Decodes a script into ops; returns null when a push runs past the end (a malformed script). */
export function decodeScript(script: Uint8Array): ScriptOp[] | null {
  const ops: ScriptOp[] = [];
  let i = 0;
  while (i < script.length) {
    const op = script[i++]!;
    let len = -1;
    if (op > 0 && op < OP_PUSHDATA1) len = op;
    else if (op === OP_PUSHDATA1) {
      if (i + 1 > script.length) return null;
      len = script[i]!;
      i += 1;
    } else if (op === OP_PUSHDATA2) {
      if (i + 2 > script.length) return null;
      len = script[i]! | (script[i + 1]! << 8);
      i += 2;
    } else if (op === OP_PUSHDATA4) {
      if (i + 4 > script.length) return null;
      len = (script[i]! | (script[i + 1]! << 8) | (script[i + 2]! << 16) | (script[i + 3]! << 24)) >>> 0;
      i += 4;
    }
    if (len >= 0) {
      if (i + len > script.length) return null;
      ops.push({ opcode: op, data: script.subarray(i, i + len) });
      i += len;
    } else {
      ops.push({ opcode: op });
    }
  }
  return ops;
}

/** Legacy sigop count (Core's GetSigOpCount(fAccurate=false)): CHECKSIG 1, CHECKMULTISIG 20. */
export function legacySigOpCount(script: Uint8Array): number {
  let n = 0;
  let i = 0;
  while (i < script.length) {
    const op = script[i++]!;
    if (op > 0 && op < OP_PUSHDATA1) i += op;
    else if (op === OP_PUSHDATA1) i += 1 + (script[i] ?? 0);
    else if (op === OP_PUSHDATA2) i += 2 + ((script[i] ?? 0) | ((script[i + 1] ?? 0) << 8));
    else if (op === OP_PUSHDATA4) {
      if (i + 4 > script.length) break;
      i += 4 + ((script[i]! | (script[i + 1]! << 8) | (script[i + 2]! << 16) | (script[i + 3]! << 24)) >>> 0);
    } else if (op === OP_CHECKSIG || op === OP_CHECKSIGVERIFY) n += 1;
    else if (op === OP_CHECKMULTISIG || op === OP_CHECKMULTISIGVERIFY) n += 20;
  }
  return n;
}

export type OutputType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness-unknown' | 'op-return' | 'nonstandard';

export function classifyOutput(script: Uint8Array): OutputType {
  const n = script.length;
  if (n === 25 && script[0] === OP_DUP && script[1] === OP_HASH160 && script[2] === 20 && script[23] === OP_EQUALVERIFY && script[24] === OP_CHECKSIG) return 'p2pkh';
  if (n === 23 && script[0] === OP_HASH160 && script[1] === 20 && script[22] === OP_EQUAL) return 'p2sh';
  if (n === 22 && script[0] === OP_0 && script[1] === 20) return 'p2wpkh';
  if (n === 34 && script[0] === OP_0 && script[1] === 32) return 'p2wsh';
  if (n === 34 && script[0] === OP_1 && script[1] === 32) return 'p2tr';
  if (n >= 4 && n <= 42 && (script[0] === OP_0 || (script[0]! >= OP_1 && script[0]! <= 0x60)) && script[1] === n - 2) return 'witness-unknown';
  if (n >= 1 && script[0] === OP_RETURN) return 'op-return';
  return 'nonstandard';
}
