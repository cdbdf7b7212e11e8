/** The one hex form Sv1 has of its own; plain hex comes from codec/hex.ts. */

/**
 * Sv1 sends the previous block hash as the 32-byte header-order hash with each 4-byte word
 * byte-reversed (a relic of cgminer's word-swapped work buffer). The swap is its own inverse.
 */
export function swapWords32(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}
