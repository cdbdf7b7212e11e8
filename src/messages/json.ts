import { bytesToHex, hexToBytes, Sv2EncodeError } from '../codec/index.js';
import type { Json, MessageDecl, Tlv } from '../codec/index.js';
import { declarationOf, declarationsNamed, encodeFrame, protocolOf, specNameOf } from './registry.js';
import type { AnyMessage, MessageName, Messages } from './registry.js';

/** The JSON form of a decoded frame, as `sv2 decode` prints it. */
export interface FrameJson {
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  /** The sub-protocol, as the spec names it (`Template Distribution`). */
  protocol: string;
  /** The spec's name (`SetNewPrevHash`, `SubmitShares.Success`). */
  name: string;
  message: { [key: string]: Json };
  tlvs?: { extensionType: number; fieldType: number; value: string }[];
}

export function frameToJson(m: AnyMessage): FrameJson {
  const d = declarationOf(m.name) as MessageDecl<string, unknown>;
  const out: FrameJson = {
    extensionType: m.extensionType,
    channelMsg: m.channelMsg,
    msgType: m.msgType,
    protocol: protocolOf(m.name),
    name: specNameOf(m.name),
    message: d.toJson(m.message),
  };
  if (m.tlvs.length > 0) {
    out.tlvs = m.tlvs.map((t) => ({ extensionType: t.extensionType, fieldType: t.fieldType, value: bytesToHex(t.value) }));
  }
  return out;
}

/** Encodes the JSON form back to frame bytes; the header fields, when given, must agree with the name. */
export function frameFromJson(json: unknown): Uint8Array {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Sv2EncodeError('frame', 'must be a JSON object');
  const j = json as Partial<Record<keyof FrameJson, unknown>>;
  if (typeof j.name !== 'string') throw new Sv2EncodeError('name', 'must name a message');
  // The spec's name or ours; the protocol or msg_type tells apart names two protocols share.
  const named = declarationsNamed(j.name).filter(
    (c) => (j.protocol === undefined || protocolOf(c.name as MessageName) === j.protocol) && (j.msgType === undefined || j.msgType === c.msgType),
  );
  if (named.length === 0) throw new Sv2EncodeError('name', `unknown message ${j.name}${j.protocol !== undefined ? ` in protocol ${String(j.protocol)}` : ''}`);
  if (named.length > 1) throw new Sv2EncodeError('protocol', `${j.name} is in ${named.map((c) => protocolOf(c.name as MessageName)).join(' and ')}: say which`);
  const d = named[0] as MessageDecl<string, unknown>;
  if (j.extensionType !== undefined && j.extensionType !== d.extensionType) throw new Sv2EncodeError('extensionType', `${d.name} has extension ${d.extensionType}`);
  if (j.msgType !== undefined && j.msgType !== d.msgType) throw new Sv2EncodeError('msgType', `${d.name} has msg_type ${d.msgType}`);
  if (j.channelMsg !== undefined && j.channelMsg !== d.channelMsg) throw new Sv2EncodeError('channelMsg', `${d.name} has channel_msg ${d.channelMsg}`);
  const message = d.fromJson(j.message);
  const tlvs = tlvsFromJson(j.tlvs);
  return encodeFrame(d.name as MessageName, message as Messages[MessageName], tlvs);
}

function tlvsFromJson(json: unknown): Tlv[] {
  if (json === undefined) return [];
  if (!Array.isArray(json)) throw new Sv2EncodeError('tlvs', 'must be an array');
  return json.map((t: unknown, i) => {
    const o = t as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.extensionType !== 'number' || typeof o.fieldType !== 'number' || typeof o.value !== 'string') {
      throw new Sv2EncodeError(`tlvs[${i}]`, 'must be {extensionType, fieldType, value(hex)}');
    }
    let value: Uint8Array;
    try {
      value = hexToBytes(o.value);
    } catch (e) {
      throw new Sv2EncodeError(`tlvs[${i}].value`, (e as Error).message);
    }
    return { extensionType: o.extensionType, fieldType: o.fieldType, value };
  });
}
