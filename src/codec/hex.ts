/** Lowercase hex of bytes, in the order given (wire order). */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Bytes from hex; refuses odd lengths and non-hex characters instead of silently truncating. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`hex has an odd length (${hex.length})`);
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new Error('hex has a non-hex character');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
