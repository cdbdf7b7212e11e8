import { Sv2DecodeError } from '../codec/errors.js';

export const HEADER_SIZE = 6;
export const CHANNEL_MSG_BIT = 0x8000;
export const MAX_PAYLOAD = 0xffffff;
/** Default payload cap for untrusted peers; a longer frame is refused before any allocation. */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;

/** The 6-byte Sv2 frame header: extension_type (with the channel_msg bit), msg_type, msg_length. */
export interface FrameHeader {
  /** Extension id without the channel_msg bit. */
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  msgLength: number;
}

export function writeHeader(buf: Uint8Array, o: number, h: FrameHeader): void {
  const ext = h.extensionType | (h.channelMsg ? CHANNEL_MSG_BIT : 0);
  buf[o] = ext & 0xff;
  buf[o + 1] = ext >>> 8;
  buf[o + 2] = h.msgType;
  buf[o + 3] = h.msgLength & 0xff;
  buf[o + 4] = (h.msgLength >>> 8) & 0xff;
  buf[o + 5] = (h.msgLength >>> 16) & 0xff;
}

export function readHeader(buf: Uint8Array, o = 0): FrameHeader {
  if (buf.length - o < HEADER_SIZE) {
    throw new Sv2DecodeError('short-buffer', `a frame header needs ${HEADER_SIZE} bytes, got ${buf.length - o}`);
  }
  const ext = buf[o]! | (buf[o + 1]! << 8);
  return {
    extensionType: ext & 0x7fff,
    channelMsg: (ext & CHANNEL_MSG_BIT) !== 0,
    msgType: buf[o + 2]!,
    msgLength: buf[o + 3]! | (buf[o + 4]! << 8) | (buf[o + 5]! << 16),
  };
}
