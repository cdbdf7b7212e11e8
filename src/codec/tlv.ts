import { Sv2DecodeError, Sv2EncodeError } from './errors.js';
import type { Reader } from './reader.js';

/**
 * An optional field appended after a message's fixed fields. Type and length are little-endian,
 * as SRI puts them on the wire (the spec's example shows big-endian; SRI is what peers speak).
 */
export interface Tlv {
  extensionType: number;
  fieldType: number;
  value: Uint8Array;
}

const TLV_HEADER = 5;

export function tlvsSize(tlvs: readonly Tlv[]): number {
  let n = 0;
  for (const t of tlvs) {
    if (!Number.isInteger(t.extensionType) || t.extensionType < 0 || t.extensionType > 0xffff) {
      throw new Sv2EncodeError('tlv.extensionType', `must be 0..65535, got ${t.extensionType}`);
    }
    if (!Number.isInteger(t.fieldType) || t.fieldType < 0 || t.fieldType > 0xff) {
      throw new Sv2EncodeError('tlv.fieldType', `must be 0..255, got ${t.fieldType}`);
    }
    if (!(t.value instanceof Uint8Array) || t.value.length > 0xffff) {
      throw new Sv2EncodeError('tlv.value', 'must be at most 65535 bytes');
    }
    n += TLV_HEADER + t.value.length;
  }
  return n;
}

export function writeTlvs(buf: Uint8Array, o: number, tlvs: readonly Tlv[]): number {
  for (const t of tlvs) {
    buf[o] = t.extensionType & 0xff;
    buf[o + 1] = t.extensionType >>> 8;
    buf[o + 2] = t.fieldType;
    buf[o + 3] = t.value.length & 0xff;
    buf[o + 4] = t.value.length >>> 8;
    buf.set(t.value, o + TLV_HEADER);
    o += TLV_HEADER + t.value.length;
  }
  return o;
}

/** Reads TLVs until the reader's end; anything that is not a whole TLV is an error. */
export function readTlvs(r: Reader): Tlv[] {
  const out: Tlv[] = [];
  while (r.remaining > 0) {
    if (r.remaining < TLV_HEADER) {
      throw new Sv2DecodeError('trailing-bytes', `${r.remaining} bytes after the message fields are not a TLV`);
    }
    const b = r.buf;
    const o = r.pos;
    const extensionType = b[o]! | (b[o + 1]! << 8);
    const fieldType = b[o + 2]!;
    const len = b[o + 3]! | (b[o + 4]! << 8);
    if (len > r.remaining - TLV_HEADER) {
      throw new Sv2DecodeError('bad-tlv', `TLV ${extensionType}/${fieldType} declares ${len} bytes, ${r.remaining - TLV_HEADER} left`);
    }
    r.pos = o + TLV_HEADER + len;
    out.push({ extensionType, fieldType, value: b.subarray(o + TLV_HEADER, o + TLV_HEADER + len) });
  }
  return out;
}
