/**
 * The project's one hex codec: lower case out, either case in, strict (odd lengths and non-hex
 * digits are refused, never silently truncated). Short inputs take a JS loop, long ones the host's
 * native codec where it has one (src/host/hex.ts): below NATIVE_THRESHOLD bytes the loop wins,
 * above it the native round trip.
 */
import { nativeHex } from '../host/hex.js';

const HEX_DIGITS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);

/** Value of one hex digit from its char code, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87; // a-f / A-F
  return -1;
}

/** Below this many bytes a JS loop beats a round trip through the native codec (measured on Node's). */
const NATIVE_THRESHOLD = 16;

/** Lowercase hex of bytes, in the order given (wire order). */
export function bytesToHex(bytes: Uint8Array): string {
  if (bytes.length >= NATIVE_THRESHOLD && nativeHex !== undefined) return nativeHex.encode(bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i]!]!;
  return out;
}

/** Decodes hex of even length into a fresh array; null on any non-hex digit or an odd length. */
export function hexToBytesOrNull(hex: string): Uint8Array | null {
  if ((hex.length & 1) !== 0) return null;
  if (hex.length >= 2 * NATIVE_THRESHOLD && nativeHex !== undefined) return nativeHex.decode(hex);
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Bytes from hex; refuses odd lengths and non-hex characters instead of silently truncating. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`hex has an odd length (${hex.length})`);
  const bytes = hexToBytesOrNull(hex);
  if (bytes === null) throw new Error('hex has a non-hex character');
  return bytes;
}

/** Parses exactly 8 hex digits, big-endian (as Sv1 writes version, nbits, ntime, nonce), to a u32, or null. */
export function hexU32OrNull(hex: string): number | null {
  if (hex.length !== 8) return null;
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const n = nibble(hex.charCodeAt(i));
    if (n < 0) return null;
    value = value * 16 + n;
  }
  return value;
}

/** A u32 as 8 lower-case hex digits, big-endian (the Sv1 form of version, nbits, ntime, nonce, masks). */
export function u32ToHex(value: number): string {
  const v = value >>> 0;
  return BYTE_TO_HEX[v >>> 24]! + BYTE_TO_HEX[(v >>> 16) & 255]! + BYTE_TO_HEX[(v >>> 8) & 255]! + BYTE_TO_HEX[v & 255]!;
}
