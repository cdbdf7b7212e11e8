import { Reader, readTlvs, Sv2DecodeError, Sv2EncodeError, tlvsSize, writeTlvs } from '../codec/index.js';
import type { MessageDecl, Tlv } from '../codec/index.js';
import { CHANNEL_MSG_BIT, HEADER_SIZE, MAX_PAYLOAD, readHeader, writeHeader } from '../framing/header.js';
import type { FrameHeader } from '../framing/header.js';
import { commonMessages } from './common.js';
import { extensionMessages } from './extensions.js';
import { jobDeclarationMessages } from './job-declaration.js';
import { miningMessages } from './mining.js';
import { templateDistributionMessages } from './template-distribution.js';

export const allMessages = [
  ...commonMessages,
  ...miningMessages,
  ...jobDeclarationMessages,
  ...templateDistributionMessages,
  ...extensionMessages,
] as const;

type AllDecls = (typeof allMessages)[number];
type ValueOfDecl<D> = D extends MessageDecl<string, infer V> ? V : never;

/** Message name → its TypeScript value type, for every message of every sub-protocol. */
export type Messages = { [D in AllDecls as D['name']]: ValueOfDecl<D> };
export type MessageName = keyof Messages;

/** A decoded frame: discriminated by `name`, so `switch (m.name)` narrows `m.message`. */
export type AnyMessage = {
  [N in MessageName]: {
    name: N;
    message: Messages[N];
    extensionType: number;
    channelMsg: boolean;
    msgType: number;
    /** TLV fields after the message's own fields (extensions such as 0x0002). */
    tlvs: Tlv[];
  };
}[MessageName];

/** The sub-protocol each message belongs to, by the spec's names for them. */
export const PROTOCOLS = ['Common', 'Mining', 'Job Declaration', 'Template Distribution', 'Extensions Negotiation'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];
const protocolByName = new Map<string, ProtocolName>();
for (const [protocol, decls] of [
  ['Common', commonMessages],
  ['Mining', miningMessages],
  ['Job Declaration', jobDeclarationMessages],
  ['Template Distribution', templateDistributionMessages],
  ['Extensions Negotiation', extensionMessages],
] as const) {
  for (const d of decls as readonly MessageDecl[]) protocolByName.set(d.name, protocol);
}

export function protocolOf(name: MessageName): ProtocolName {
  return protocolByName.get(name)!;
}

/**
 * The spec's name of a message: `SetupConnection.Success`, and Template Distribution's
 * `SetNewPrevHash` (ours is SetNewPrevHashTdp, as TypeScript needs one name per message).
 */
export function specNameOf(name: MessageName): string {
  return name.replace(/Tdp$/, '').replace(/(Success|Error)$/, '.$1');
}

const byKey = new Map<number, MessageDecl>();
const byName = new Map<string, MessageDecl>();
for (const d of allMessages as readonly MessageDecl[]) {
  const key = (d.extensionType << 8) | d.msgType;
  if (byKey.has(key) || byName.has(d.name)) throw new Error(`duplicate message declaration ${d.name}`);
  byKey.set(key, d);
  byName.set(d.name, d);
}

export function declarationOf(name: MessageName): MessageDecl {
  return byName.get(name)!;
}

/** Every declaration whose name, ours or the spec's, is `name`. */
export function declarationsNamed(name: string): MessageDecl[] {
  return (allMessages as readonly MessageDecl[]).filter((d) => d.name === name || specNameOf(d.name as MessageName) === name);
}

/** The declaration for an (extension, msg_type) pair, or undefined when this project does not know it. */
export function lookupMessage(extensionType: number, msgType: number): MessageDecl | undefined {
  return byKey.get(((extensionType & 0x7fff) << 8) | msgType);
}

const NO_TLVS: Tlv[] = [];

/** Encodes a message as a whole plaintext frame: header ‖ payload ‖ TLVs. */
export function encodeFrame<N extends MessageName>(name: N, message: Messages[N], tlvs: readonly Tlv[] = NO_TLVS): Uint8Array {
  const d = byName.get(name) as MessageDecl<N, Messages[N]> | undefined;
  if (d === undefined) throw new Sv2EncodeError(String(name), 'unknown message name');
  const fieldsSize = d.payloadSize(message);
  const size = tlvs.length === 0 ? fieldsSize : fieldsSize + tlvsSize(tlvs);
  if (size > MAX_PAYLOAD) throw new Sv2EncodeError(name, `payload of ${size} bytes is over the frame limit of ${MAX_PAYLOAD}`);
  const buf = new Uint8Array(HEADER_SIZE + size);
  writeHeader(buf, 0, { extensionType: d.extensionType, channelMsg: d.channelMsg, msgType: d.msgType, msgLength: size });
  const end = d.writePayload(buf, HEADER_SIZE, message);
  if (tlvs.length > 0) writeTlvs(buf, end, tlvs);
  return buf;
}

/** Decodes a payload whose header was already read (e.g. by FrameDecoder or a Noise session). */
export function decodePayload(header: FrameHeader, payload: Uint8Array, payloadStart = 0): AnyMessage {
  return decodeFields(header.extensionType, header.channelMsg, header.msgType, header.msgLength, payload, payloadStart);
}

// The header's fields as arguments, not an object: decodeFrame reads them straight off the bytes.
function decodeFields(
  extensionType: number,
  channelMsg: boolean,
  msgType: number,
  msgLength: number,
  payload: Uint8Array,
  payloadStart: number,
): AnyMessage {
  const d = byKey.get(((extensionType & 0x7fff) << 8) | msgType);
  if (d === undefined) {
    throw new Sv2DecodeError(
      'unknown-message',
      `no message 0x${msgType.toString(16).padStart(2, '0')} in extension 0x${extensionType.toString(16).padStart(4, '0')}`,
    );
  }
  if (d.channelMsg !== channelMsg) {
    throw new Sv2DecodeError('channel-bit-mismatch', `${d.name} must have channel_msg=${d.channelMsg ? 1 : 0}`);
  }
  const end = payloadStart + msgLength;
  if (end > payload.length) {
    throw new Sv2DecodeError('short-buffer', `${d.name} declares ${msgLength} payload bytes, ${payload.length - payloadStart} present`);
  }
  let message: unknown;
  let tlvs = NO_TLVS;
  // The share path's messages are fixed-size: read them in place, without a cursor.
  if (msgLength === d.fixedSize && d.readFixed !== undefined) {
    message = d.readFixed(payload, payloadStart);
  } else {
    const r = new Reader(payload, payloadStart, end);
    message = d.readPayload(r);
    if (r.remaining !== 0) tlvs = readTlvs(r);
  }
  return { name: d.name, message, extensionType, channelMsg, msgType, tlvs } as AnyMessage;
}

/** Decodes exactly one whole plaintext frame; bytes after it are an error. */
export function decodeFrame(frame: Uint8Array): AnyMessage {
  if (frame.length < HEADER_SIZE) return decodePayload(readHeader(frame), frame, HEADER_SIZE); // readHeader throws
  const ext = frame[0]! | (frame[1]! << 8);
  const msgLength = frame[3]! | (frame[4]! << 8) | (frame[5]! << 16);
  const total = HEADER_SIZE + msgLength;
  if (frame.length < total) {
    throw new Sv2DecodeError('length-past-end', `frame declares ${msgLength} payload bytes, ${frame.length - HEADER_SIZE} present`);
  }
  if (frame.length > total) {
    throw new Sv2DecodeError('trailing-bytes', `${frame.length - total} bytes after the frame`);
  }
  return decodeFields(ext & 0x7fff, (ext & CHANNEL_MSG_BIT) !== 0, frame[2]!, msgLength, frame, HEADER_SIZE);
}
