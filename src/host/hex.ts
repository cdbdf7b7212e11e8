/**
 * The host's native hex codec, when it has one: Node's Buffer, or the Uint8Array.fromHex / toHex
 * of newer JavaScript engines. codec/hex.ts uses it for long inputs and its own loop otherwise.
 */
import { node } from './node.js';

export interface NativeHex {
  encode(bytes: Uint8Array): string;
  /** null when `text` is not hex of even length */
  decode(text: string): Uint8Array | null;
}

interface HexArrays {
  fromHex?: (text: string) => Uint8Array;
  prototype: { toHex?: () => string };
}

function lookUp(): NativeHex | undefined {
  if (node) {
    const Buf = node.buffer;
    return {
      encode: (bytes) => Buf.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex'),
      decode(text) {
        // Node's decoder stops at the first non-hex pair, so a short result means a bad digit.
        const decoded = Buf.from(text, 'hex');
        // copied out: small results are views into a shared 8 KiB pool that must not be pinned
        return decoded.length * 2 === text.length ? new Uint8Array(decoded) : null;
      },
    };
  }
  const arrays = Uint8Array as unknown as HexArrays;
  const fromHex = arrays.fromHex;
  const toHex = arrays.prototype.toHex;
  if (fromHex === undefined || toHex === undefined) return undefined;
  return {
    encode: (bytes) => toHex.call(bytes),
    decode(text) {
      try {
        return fromHex(text);
      } catch {
        return null;
      }
    },
  };
}

export const nativeHex: NativeHex | undefined = lookUp();
