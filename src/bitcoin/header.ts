/** The 80-byte block header. Hashes (prevHash, merkleRoot) are raw 32 bytes in internal order, as on the wire. */
import { BitcoinDecodeError } from './bytes.js';
import { sha256d } from './hash.js';

export const HEADER_SIZE = 80;
/** Consensus MAX_FUTURE_BLOCK_TIME: a header's nTime may run this many seconds ahead of the clock. */
export const MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60;

export interface BlockHeader {
  /** nVersion as an unsigned 32-bit value (BIP9/BIP323 bits included). */
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  /** nTime, unix seconds. */
  time: number;
  /** nBits, the compact target. */
  bits: number;
  nonce: number;
}

/**
 * Writes the header fields into `out` at `offset` (80 bytes). The share-validation hot path
 * calls this with a reused buffer to avoid allocating per share.
 */
export function writeHeader(
  out: Uint8Array,
  offset: number,
  version: number,
  prevHash: Uint8Array,
  merkleRoot: Uint8Array,
  time: number,
  bits: number,
  nonce: number,
): void {
  const v = new DataView(out.buffer, out.byteOffset + offset, HEADER_SIZE);
  v.setUint32(0, version >>> 0, true);
  out.set(prevHash, offset + 4);
  out.set(merkleRoot, offset + 36);
  v.setUint32(68, time >>> 0, true);
  v.setUint32(72, bits >>> 0, true);
  v.setUint32(76, nonce >>> 0, true);
}

export function serializeHeader(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  writeHeader(out, 0, h.version, h.prevHash, h.merkleRoot, h.time, h.bits, h.nonce);
  return out;
}

/** Parses the first 80 bytes at `offset`; the hashes are copies, independent of `bytes`. */
export function parseHeader(bytes: Uint8Array, offset = 0): BlockHeader {
  if (bytes.length - offset < HEADER_SIZE) throw new BitcoinDecodeError(`a block header is 80 bytes, got ${bytes.length - offset}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_SIZE);
  return {
    version: v.getUint32(0, true),
    prevHash: bytes.slice(offset + 4, offset + 36),
    merkleRoot: bytes.slice(offset + 36, offset + 68),
    time: v.getUint32(68, true),
    bits: v.getUint32(72, true),
    nonce: v.getUint32(76, true),
  };
}

/** SHA256d of the 80-byte header: the block hash in internal order (compare with a target as a LE integer). */
export function headerHash(header: Uint8Array | BlockHeader): Uint8Array {
  return sha256d(header instanceof Uint8Array ? header.subarray(0, HEADER_SIZE) : serializeHeader(header));
}

/**
 * The share/block hash from header fields. Share validation calls this per share: pass a reused
 * 80-byte `scratch` to skip the header allocation.
 */
export function hashHeaderFields(
  version: number,
  prevHash: Uint8Array,
  merkleRoot: Uint8Array,
  time: number,
  bits: number,
  nonce: number,
  scratch: Uint8Array = new Uint8Array(HEADER_SIZE),
): Uint8Array {
  writeHeader(scratch, 0, version, prevHash, merkleRoot, time, bits, nonce);
  return sha256d(scratch.length === HEADER_SIZE ? scratch : scratch.subarray(0, HEADER_SIZE));
}
